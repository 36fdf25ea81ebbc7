//! `mesos-master`: the Mesos master.

use std::net::SocketAddr;
use std::process::ExitCode;

use mesos_master::config::Config;
use mesos_master::master::Master;
use tracing::info;

fn main() -> ExitCode {
    let set = mesos_master::flags::flag_set();
    let flags = set.parse_env_args_or_exit();
    mesos_api::client::daemon::init_logging("info");
    let config = Config::from_flags(&flags).unwrap_or_else(|e| set.exit_with_error(&e));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| set.exit_with_error(&format!("cannot start the runtime: {e}")));
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => set.exit_with_error(&e),
    }
}

async fn run(config: Config) -> Result<(), String> {
    let addr = SocketAddr::new(config.ip, config.port);
    let master = Master::new(config)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    info!(
        id = %master.info.id,
        %addr,
        version = mesos_master::master::MESOS_VERSION,
        "Mesos master started; web UI at http://{addr}"
    );
    tokio::spawn(master.clone().allocation_loop());
    tokio::spawn(master.clone().timer_loop());
    tokio::spawn(master.clone().heartbeat_loop());
    let app = mesos_master::http::router(master.clone());
    // Streaming subscriptions would hold a graceful shutdown open forever: end them first.
    let shutdown = async move {
        mesos_api::client::daemon::shutdown_signal().await;
        master.close_streams();
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("the HTTP server failed: {e}"))
}
