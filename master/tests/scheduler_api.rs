//! The v1 scheduler API of the real `mesos-master`: SUBSCRIBE, heartbeats, Mesos's status codes
//! for bad requests, and HTTP authentication.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use mesos_api::client::EventStream;
use mesos_api::client::scheduler::SchedulerError;
use mesos_api::recordio::DEFAULT_MAX_RECORD_SIZE;
use mesos_api::v1::FrameworkId;
use mesos_api::v1::scheduler::{Call, Event, EventType};
use reqwest::StatusCode;
use std::time::Duration;
use support::*;

const JSON: &str = "application/json";

fn subscribe_body(name: &str) -> String {
    serde_json::to_string(&Call::subscribe(framework_info(name))).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribe_answers_subscribed_with_a_stream_id_then_heartbeats() {
    let master = MasterProcess::start(FAST).await;
    let response = http()
        .post(format!("{}/api/v1/scheduler", master.url()))
        .header("Content-Type", JSON)
        .header("Accept", JSON)
        .body(subscribe_body("heartbeat"))
        .timeout(Duration::from_secs(3600))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], JSON);
    let stream_id = response.headers()["mesos-stream-id"].to_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(stream_id).is_ok(),
        "the stream id is a UUID: {stream_id}"
    );
    let mut events: EventStream<Event> =
        EventStream::new(response, DEFAULT_MAX_RECORD_SIZE, support::TIMEOUT);
    let subscribed = events.next().await.unwrap().unwrap();
    assert_eq!(subscribed.kind, Some(EventType::Subscribed));
    let subscribed = subscribed.subscribed.unwrap();
    let master_info = subscribed.master_info.expect("master_info");
    assert!(
        subscribed
            .framework_id
            .value
            .starts_with(&format!("{}-", master_info.id)),
        "framework ids are <master id>-NNNN: {}",
        subscribed.framework_id
    );
    assert!(subscribed.framework_id.value.ends_with("-0000"));
    assert_eq!(subscribed.heartbeat_interval_seconds, Some(15.0));
    assert_eq!(master_info.port, u32::from(master.port));
    assert_eq!(
        master_info.address.as_ref().and_then(|a| a.ip.as_deref()),
        Some("127.0.0.1")
    );
    assert_eq!(
        master_info.pid.as_deref(),
        Some(format!("master@127.0.0.1:{}", master.port).as_str())
    );
    // As Mesos's heartbeater does, the first HEARTBEAT follows SUBSCRIBED at once.
    let first = events.next().await.unwrap().unwrap();
    assert_eq!(first, Event::heartbeat());
    // Mesos's heartbeat interval is a fixed 15 s; allow some slack past it.
    let heartbeat = tokio::time::timeout(Duration::from_secs(25), async {
        loop {
            let event = events.next().await.unwrap().unwrap();
            if event.kind == Some(EventType::Heartbeat) {
                return event;
            }
        }
    })
    .await
    .expect("a HEARTBEAT within 25 s");
    assert_eq!(heartbeat, Event::heartbeat());
}

#[tokio::test(flavor = "multi_thread")]
async fn frameworks_get_sequential_ids_and_can_tear_down() {
    let master = MasterProcess::start(FAST).await;
    let first = TestFramework::subscribe(master.address(), framework_info("a")).await;
    let second = TestFramework::subscribe(master.address(), framework_info("b")).await;
    assert!(first.id().value.ends_with("-0000"), "{}", first.id());
    assert!(second.id().value.ends_with("-0001"), "{}", second.id());
    second.must(Call::teardown(second.id())).await;
    // TEARDOWN closes the framework's stream, and later calls find no framework.
    second.events.wait_ended().await;
    let error = second.call(Call::revive(second.id(), vec![])).await;
    assert_rejected(error, StatusCode::BAD_REQUEST, "Framework cannot be found");
    first.must(Call::revive(first.id(), vec![])).await;
}

fn assert_rejected(result: Result<(), SchedulerError>, status: StatusCode, message: &str) {
    match result {
        Err(SchedulerError::Rejected { status: got, body }) => {
            assert_eq!(got, status, "{body}");
            assert!(body.contains(message), "{message:?} not in {body:?}");
        }
        other => panic!("expected {status} ({message}), got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_mesos_status_codes() {
    let master = MasterProcess::start(FAST).await;
    let url = format!("{}/api/v1/scheduler", master.url());
    let framework = TestFramework::subscribe(master.address(), framework_info("good")).await;
    let revive = serde_json::to_string(&Call::revive(framework.id(), vec![])).unwrap();
    let stream_id = framework.scheduler.stream_id.clone();

    // (what, headers, body, expected status, expected part of the message)
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        String,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            vec![("Content-Type", JSON)],
            "{not json".to_owned(),
            StatusCode::BAD_REQUEST,
            "Failed to parse body into JSON",
        ),
        (
            "no type",
            vec![("Content-Type", JSON)],
            r#"{"framework_id":{"value":"x"}}"#.to_owned(),
            StatusCode::BAD_REQUEST,
            "Expecting 'type' to be present",
        ),
        (
            "an unknown call type",
            vec![("Content-Type", JSON)],
            r#"{"type":"BOGUS"}"#.to_owned(),
            StatusCode::BAD_REQUEST,
            "Failed to convert JSON into Call protobuf",
        ),
        (
            "SUBSCRIBE without its payload",
            vec![("Content-Type", JSON)],
            r#"{"type":"SUBSCRIBE"}"#.to_owned(),
            StatusCode::BAD_REQUEST,
            "Expecting 'subscribe' to be present",
        ),
        (
            "a call without framework_id",
            vec![("Content-Type", JSON), ("Mesos-Stream-Id", &stream_id)],
            r#"{"type":"REVIVE"}"#.to_owned(),
            StatusCode::BAD_REQUEST,
            "Expecting 'framework_id' to be present",
        ),
        (
            "a wrong Content-Type",
            vec![("Content-Type", "text/plain")],
            subscribe_body("x"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expecting 'Content-Type' of application/json or application/x-protobuf",
        ),
        (
            "a Content-Type with parameters",
            vec![("Content-Type", "application/json; charset=utf-8")],
            subscribe_body("x"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expecting 'Content-Type'",
        ),
        (
            "protobuf",
            vec![("Content-Type", "application/x-protobuf")],
            "\u{8}\u{1}".to_owned(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/x-protobuf",
        ),
        (
            "no Content-Type",
            vec![],
            subscribe_body("x"),
            StatusCode::BAD_REQUEST,
            "Expecting 'Content-Type' to be present",
        ),
        (
            "a call without Mesos-Stream-Id",
            vec![("Content-Type", JSON)],
            revive.clone(),
            StatusCode::BAD_REQUEST,
            "All non-subscribe calls should include the 'Mesos-Stream-Id' header",
        ),
        (
            "a call with another Mesos-Stream-Id",
            vec![
                ("Content-Type", JSON),
                ("Mesos-Stream-Id", "not-the-stream"),
            ],
            revive.clone(),
            StatusCode::BAD_REQUEST,
            "didn't match the stream ID currently associated with framework ID",
        ),
        (
            "a call for an unknown framework",
            vec![("Content-Type", JSON), ("Mesos-Stream-Id", &stream_id)],
            serde_json::to_string(&Call::revive(FrameworkId::new("nope"), vec![])).unwrap(),
            StatusCode::BAD_REQUEST,
            "Framework cannot be found",
        ),
        (
            "SUBSCRIBE with a Mesos-Stream-Id",
            vec![("Content-Type", JSON), ("Mesos-Stream-Id", &stream_id)],
            subscribe_body("x"),
            StatusCode::BAD_REQUEST,
            "Subscribe calls should not include the 'Mesos-Stream-Id' header",
        ),
        (
            "SUBSCRIBE accepting only protobuf",
            vec![("Content-Type", JSON), ("Accept", "application/x-protobuf")],
            subscribe_body("x"),
            StatusCode::NOT_ACCEPTABLE,
            "Expecting 'Accept' to allow",
        ),
        (
            "SUBSCRIBE accepting only text",
            vec![("Content-Type", JSON), ("Accept", "text/html")],
            subscribe_body("x"),
            StatusCode::NOT_ACCEPTABLE,
            "Expecting 'Accept' to allow",
        ),
        (
            "ACKNOWLEDGE with a uuid that is not 16 bytes",
            vec![("Content-Type", JSON), ("Mesos-Stream-Id", &stream_id)],
            format!(
                r#"{{"type":"ACKNOWLEDGE","framework_id":{{"value":"{}"}},
                   "acknowledge":{{"agent_id":{{"value":"a"}},"task_id":{{"value":"t"}},
                   "uuid":"AAEC"}}}}"#,
                framework.id()
            ),
            StatusCode::BAD_REQUEST,
            "Not a valid UUID",
        ),
        (
            "ACCEPT without its payload",
            vec![("Content-Type", JSON), ("Mesos-Stream-Id", &stream_id)],
            format!(
                r#"{{"type":"ACCEPT","framework_id":{{"value":"{}"}}}}"#,
                framework.id()
            ),
            StatusCode::BAD_REQUEST,
            "Expecting 'accept' to be present",
        ),
        (
            "an UNKNOWN call",
            vec![("Content-Type", JSON), ("Mesos-Stream-Id", &stream_id)],
            format!(
                r#"{{"type":"UNKNOWN","framework_id":{{"value":"{}"}}}}"#,
                framework.id()
            ),
            StatusCode::NOT_IMPLEMENTED,
            "",
        ),
    ];
    for (what, headers, body, status, message) in cases {
        let (got, _, text) = post(&url, &headers, body).await;
        assert_eq!(got, status, "{what}: {text}");
        assert!(
            text.contains(message),
            "{what}: {message:?} not in {text:?}"
        );
    }

    // The good framework was not disturbed.
    framework.must(Call::revive(framework.id(), vec![])).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn methods_other_than_post_are_not_allowed() {
    let master = MasterProcess::start(FAST).await;
    for path in ["/api/v1/scheduler", "/master/api/v1/scheduler"] {
        let response = http()
            .get(format!("{}{path}", master.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(response.headers()["allow"], "POST", "{path}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("Expecting one of { 'POST' }, but received 'GET'"),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_16_mib_is_too_large() {
    let master = MasterProcess::start(FAST).await;
    let body = vec![b' '; 16 * 1024 * 1024 + 1];
    let response = http()
        .post(format!("{}/api/v1/scheduler", master.url()))
        .header("Content-Type", JSON)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Just under the limit is read (and refused as malformed JSON).
    let (status, _, text) = post(
        &format!("{}/api/v1/scheduler", master.url()),
        &[("Content-Type", JSON)],
        vec![b'x'; 16 * 1024 * 1024],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("Failed to parse body into JSON"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribe_errors_come_as_an_error_event() {
    let master = MasterProcess::start(&["--allocation_interval=50ms", "--roles=dev"]).await;
    let mut info = framework_in_role("bad", "prod");
    let error = TestFramework::try_subscribe(master.address(), info.clone()).await;
    match error {
        Err(SchedulerError::Refused(message)) => {
            assert!(message.contains("prod"), "{message}");
            assert!(message.contains("--roles"), "{message}");
        }
        Err(other) => panic!("expected an ERROR event, got {other}"),
        Ok(_) => panic!("a role outside --roles was accepted"),
    }
    info.role = Some("dev".to_owned());
    TestFramework::subscribe(master.address(), info).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn authentication_is_off_by_default() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("anyone")).await;
    framework.must(Call::revive(framework.id(), vec![])).await;
    // Credentials are ignored when authentication is off.
    let with_credential = master.address().with_credential("who", "ever");
    TestFramework::subscribe(with_credential, framework_info("anyone else")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn authentication_needs_the_right_credentials() {
    let dir = temp_dir();
    let credentials = credentials_file(dir.path(), &[("spark", "s3cret"), ("other", "pw")]);
    let master = MasterProcess::start(&[
        "--allocation_interval=50ms",
        "--authenticate_http_frameworks",
        &format!("--credentials={}", credentials.display()),
    ])
    .await;
    let url = format!("{}/api/v1/scheduler", master.url());

    // No credentials, and wrong ones: 401 with a Basic challenge.
    for credential in [None, Some(("spark", "wrong")), Some(("nobody", "s3cret"))] {
        let mut request = http()
            .post(&url)
            .header("Content-Type", JSON)
            .body(subscribe_body("spark"));
        if let Some((user, password)) = credential {
            request = request.basic_auth(user, Some(password));
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{credential:?}"
        );
        assert_eq!(
            response.headers()["www-authenticate"],
            "Basic realm=\"mesos-master-scheduler\"",
            "{credential:?}"
        );
    }
    // The 401 comes before anything else is looked at.
    let response = http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // A principal in FrameworkInfo that is not the authenticated one: 400.
    let mut info = framework_info("spark");
    info.principal = Some("other".to_owned());
    let error =
        TestFramework::try_subscribe(master.address().with_credential("spark", "s3cret"), info)
            .await;
    match error {
        Err(SchedulerError::Rejected { status, body }) => {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(
                body.contains("Authenticated principal 'spark' does not match principal 'other'"),
                "{body}"
            );
        }
        Err(other) => panic!("expected 400, got {other}"),
        Ok(_) => panic!("a mismatched principal was accepted"),
    }

    // The right credentials: subscribed, and calls work with them.
    let address = master.address().with_credential("spark", "s3cret");
    let framework = TestFramework::subscribe(address, framework_info("spark")).await;
    framework.must(Call::revive(framework.id(), vec![])).await;

    // The principal was taken from the credentials: another principal's calls are refused.
    let impostor_call = {
        let body = serde_json::to_string(&Call::revive(framework.id(), vec![])).unwrap();
        http()
            .post(&url)
            .header("Content-Type", JSON)
            .header("Mesos-Stream-Id", framework.scheduler.stream_id.clone())
            .basic_auth("other", Some("pw"))
            .body(body)
            .send()
            .await
            .unwrap()
    };
    assert_eq!(impostor_call.status(), StatusCode::BAD_REQUEST);
    let body = impostor_call.text().await.unwrap();
    assert!(
        body.contains("Authenticated principal 'other' does not match principal 'spark'"),
        "{body}"
    );

    // The unauthenticated endpoints stay open.
    let response = http()
        .get(format!("{}/health", master.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
