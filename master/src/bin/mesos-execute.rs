//! `mesos-execute`: run one task on a Mesos cluster and wait for it to end, like Apache Mesos's
//! tool of the same name. It subscribes as a framework, launches the task on the first offer that
//! fits, prints every status update, and exits 0 if the task finished, 1 otherwise.

use std::process::ExitCode;
use std::time::Duration;

use mesos_api::client::scheduler::{MasterAddress, Scheduler};
use mesos_api::flags::{Flag, FlagSet, Flags};
use mesos_api::json::Bytes;
use mesos_api::resources::Resources;
use mesos_api::v1::scheduler::{Call, EventType};
use mesos_api::v1::{
    CommandInfo, ContainerInfo, FrameworkInfo, Operation, TaskId, TaskInfo, TaskState, Variable,
};

fn flag_set() -> FlagSet {
    FlagSet::new("mesos-execute").env_prefix(None).flags([
        Flag::string("master", "The master, as `host:port`.").required(),
        Flag::string("name", "Name of the task (also its id).").required(),
        Flag::string("command", "Shell command the task runs.").required(),
        Flag::string(
            "docker_image",
            "Run the task in this Docker image (through the Docker executor).",
        ),
        Flag::string("resources", "Resources of the task.").default("cpus:0.5;mem:128"),
        Flag::string("role", "Role the framework subscribes with.").default("*"),
        Flag::string(
            "env",
            "Environment of the task, as a JSON object of names to values.",
        ),
        Flag::string("framework_name", "Name of the framework.").default("mesos-execute"),
        Flag::boolean("checkpoint", "Whether the framework checkpoints.").default(false),
        Flag::string("principal", "Principal to authenticate with."),
        Flag::string("secret", "Secret of the principal."),
        Flag::duration(
            "timeout",
            "Give up (and kill the task) if it has not ended after this long.",
        )
        .default("10mins"),
    ])
}

fn main() -> ExitCode {
    let set = flag_set();
    let flags = set.parse_env_args_or_exit();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| set.exit_with_error(&format!("cannot start the runtime: {e}")));
    match runtime.block_on(run(&flags)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => set.exit_with_error(&e),
    }
}

async fn run(flags: &Flags) -> Result<bool, String> {
    let get = |name: &str| flags.get_str(name).unwrap_or_default().to_owned();
    let mut master = MasterAddress::new(&get("master"));
    if let (Some(principal), Some(secret)) = (flags.get_str("principal"), flags.get_str("secret")) {
        master = master.with_credential(principal, secret);
    }
    let resources =
        Resources::parse(&get("resources"), "*").map_err(|e| format!("--resources: {e}"))?;
    let timeout: mesos_api::duration::Duration = flags.get("timeout").map_err(|e| e.to_string())?;
    let timeout = Duration::try_from(timeout).map_err(|e| format!("--timeout: {e}"))?;
    let mut info = FrameworkInfo::new("root", get("framework_name"));
    info.role = Some(get("role"));
    info.checkpoint = flags.get_bool("checkpoint").map_err(|e| e.to_string())?;
    info.principal = flags.get_str("principal").map(str::to_owned);
    let (scheduler, mut events) = Scheduler::subscribe(master, info)
        .await
        .map_err(|e| e.to_string())?;
    println!("Subscribed with ID {}", scheduler.framework_id);
    let task_id = TaskId::new(get("name"));
    let mut command = CommandInfo::shell(get("command"));
    if let Some(env) = flags.get_str("env") {
        let env: std::collections::BTreeMap<String, String> =
            serde_json::from_str(env).map_err(|e| format!("--env: {e}"))?;
        command.environment = Some(mesos_api::v1::Environment {
            variables: env.into_iter().map(|(k, v)| Variable::new(k, v)).collect(),
        });
    }
    let container = flags.get_str("docker_image").map(ContainerInfo::docker);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut launched = false;
    loop {
        let event = tokio::time::timeout_at(deadline, events.next())
            .await
            .map_err(|_| format!("the task did not end within {timeout:?}"))?
            .map_err(|e| e.to_string())?
            .ok_or("the master closed the subscription")?;
        match event.kind {
            Some(EventType::Offers) => {
                for offer in event.offers.map(|o| o.offers).unwrap_or_default() {
                    let offered = Resources::from(offer.resources.clone());
                    if launched || !offered.contains(&resources) {
                        scheduler
                            .call(Call::decline(
                                scheduler.framework_id.clone(),
                                vec![offer.id],
                                None,
                            ))
                            .await
                            .map_err(|e| e.to_string())?;
                        continue;
                    }
                    let task = TaskInfo {
                        name: task_id.value.clone(),
                        task_id: task_id.clone(),
                        agent_id: offer.agent_id.clone(),
                        resources: resources.as_slice().to_vec(),
                        executor: None,
                        command: Some(command.clone()),
                        container: container.clone(),
                        health_check: None,
                        check: None,
                        kill_policy: None,
                        data: None,
                        labels: None,
                        discovery: None,
                        max_completion_time: None,
                        limits: Default::default(),
                    };
                    println!("Submitted task '{}' to agent '{}'", task_id, offer.agent_id);
                    let accept = Call::accept(
                        scheduler.framework_id.clone(),
                        vec![offer.id],
                        vec![Operation::launch(vec![task])],
                        None,
                    );
                    scheduler.call(accept).await.map_err(|e| e.to_string())?;
                    launched = true;
                }
            }
            Some(EventType::Update) => {
                let Some(status) = event.update.map(|u| u.status) else {
                    continue;
                };
                let message = status
                    .message
                    .clone()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                println!(
                    "Received status update {} for task '{}'{message}",
                    status.state, status.task_id
                );
                if let (Some(uuid), Some(agent)) = (status.uuid.clone(), status.agent_id.clone()) {
                    let ack = Call::acknowledge(
                        scheduler.framework_id.clone(),
                        agent,
                        status.task_id.clone(),
                        Bytes(uuid.0),
                    );
                    scheduler.call(ack).await.map_err(|e| e.to_string())?;
                }
                if status.state.is_terminal() {
                    let _ = scheduler
                        .call(Call::teardown(scheduler.framework_id.clone()))
                        .await;
                    return Ok(status.state == TaskState::Finished);
                }
            }
            Some(EventType::Error) => {
                return Err(event.error.map(|e| e.message).unwrap_or_default());
            }
            _ => {}
        }
    }
}
