//! `mesos-agent`: the Mesos agent.

use std::net::SocketAddr;
use std::process::ExitCode;

use mesos_agent::agent::Agent;
use mesos_agent::config::Config;
use tracing::info;

fn main() -> ExitCode {
    let set = mesos_agent::flags::flag_set();
    let flags = set.parse_env_args_or_exit();
    init_logging();
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
        () = shutdown_signal() => Ok(()),
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    info!("shutting down");
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
