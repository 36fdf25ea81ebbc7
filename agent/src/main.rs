//! `mesos-agent`: the Mesos agent.

use std::net::SocketAddr;
use std::process::ExitCode;

use mesos_agent::agent::Agent;
use mesos_agent::config::Config;
use tracing::info;

fn main() -> ExitCode {
    let set = mesos_agent::flags::flag_set();
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
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    std::fs::create_dir_all(&config.work_dir).map_err(|e| {
        format!(
            "cannot create --work_dir {}: {e}",
            config.work_dir.display()
        )
    })?;
    let resources = config.resources.to_string();
    let cleanup = !config.reconnect;
    let agent = Agent::new(config)?;
    mesos_agent::recovery::recover(&agent)?;
    if cleanup {
        info!("--recover=cleanup: checkpointed executors were killed; exiting");
        return Ok(());
    }
    agent.recovered();
    tokio::spawn(agent.gc.clone().run());
    info!(%addr, %resources, "Mesos agent started");
    tokio::spawn(mesos_agent::master_link::run(agent.clone()));
    let app = mesos_agent::http::router(agent);
    // Executors' subscriptions are long-lived streams: on SIGTERM the agent stops at once, as
    // Apache Mesos's does; executors of checkpointing frameworks wait for it to come back.
    tokio::select! {
        served = axum::serve(listener, app) => served.map_err(|e| format!("the HTTP server failed: {e}")),
        () = mesos_api::client::daemon::shutdown_signal() => Ok(()),
    }
}
