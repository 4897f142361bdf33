//! The docker compose file: valid, wiring Kafka, callpulse, Prometheus, Alertmanager and
//! Grafana; publishing only callpulse and Grafana, on loopback, with no default password.

use super::config_keys::*;
use super::files::*;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// `docker compose` (the plugin) or `docker-compose` (Debian's package).
pub(crate) fn compose_command() -> Option<(&'static str, Vec<&'static str>)> {
    let plugin = Command::new("docker")
        .args(["compose", "version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if plugin {
        return Some(("docker", vec!["compose"]));
    }
    have(
        "docker compose (Debian: docker-compose)",
        "docker-compose",
        &["version"],
    )
    .then(|| ("docker-compose", vec![]))
}

#[test]
fn the_compose_file_is_valid_and_wires_kafka_callpulse_prometheus_alertmanager_and_grafana() {
    if !pyyaml() {
        return;
    }
    let file = deploy("docker-compose.yml");
    let compose = one_yaml(&file);
    let services = compose["services"].as_object().unwrap();
    for s in [
        "kafka",
        "callpulse",
        "prometheus",
        "alertmanager",
        "grafana",
    ] {
        assert!(services.contains_key(s), "no service {s}");
    }
    assert!(str_of(&services["kafka"]["image"], "kafka").starts_with("apache/kafka:"));
    let kafka_env = &services["kafka"]["environment"];
    assert_eq!(
        kafka_env["KAFKA_PROCESS_ROLES"], "broker,controller",
        "KRaft"
    );

    let cp = &services["callpulse"];
    assert_eq!(cp["build"]["dockerfile"], "deploy/Dockerfile");
    assert!(root().join("deploy/Dockerfile").exists());
    let env: BTreeMap<String, String> = cp["environment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), String::from)))
        .collect();
    let cfg = check_variables("deploy/docker-compose.yml", &env, None);
    assert!(
        cfg.kafka.brokers.starts_with("kafka:9092"),
        "{}",
        cfg.kafka.brokers
    );
    assert_eq!(
        kafka_env["KAFKA_ADVERTISED_LISTENERS"], "PLAINTEXT://kafka:9092",
        "the address callpulse is given"
    );
    assert!(cfg.kafka.client.contains_key("group.instance.id"));
    let p = listen_port(&cfg);
    assert_eq!(p, port());
    assert_eq!(cp["ports"][0], format!("127.0.0.1:{p}:{p}"));
    let grace = seconds(str_of(&cp["stop_grace_period"], "stop_grace_period"));
    assert!(
        grace * 1000.0 > cfg.service.shutdown_timeout as f64,
        "stop_grace_period {grace}s ≤ shutdown_timeout"
    );
    let store = cfg.evidence.path.unwrap();
    let volumes: Vec<&str> = strings(&cp["volumes"]);
    assert!(
        volumes
            .iter()
            .any(|v| v.ends_with(&format!(":{}", store.parent().unwrap().display()))),
        "{volumes:?} keeps no evidence store"
    );

    // Prometheus: its config and the generated rules, mounted side by side; its targets.
    let prom = &services["prometheus"];
    let mounts: Vec<&str> = strings(&prom["volumes"]);
    assert!(
        mounts.contains(&"./prometheus/callpulse.rules.yml:/etc/prometheus/callpulse.rules.yml:ro")
    );
    assert!(mounts.contains(&"./compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
    let prom_cfg = one_yaml(&deploy("compose/prometheus.yml"));
    assert_eq!(prom_cfg["rule_files"][0], "callpulse.rules.yml");
    assert_eq!(
        prom_cfg["scrape_configs"][0]["static_configs"][0]["targets"][0],
        format!("callpulse:{p}")
    );
    assert_eq!(
        prom_cfg["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0],
        "alertmanager:9093"
    );
    let am_mounts = services["alertmanager"]["volumes"][0].as_str().unwrap();
    assert!(am_mounts.starts_with("./prometheus/alertmanager.yml:"));

    // Every file a service mounts exists.
    for (name, svc) in services {
        for v in svc["volumes"].as_array().into_iter().flatten() {
            let v = v.as_str().unwrap();
            if let Some(local) = v.strip_prefix("./") {
                let local = local.split(':').next().unwrap();
                assert!(
                    deploy(local).exists(),
                    "service {name} mounts missing {local}"
                );
            }
        }
    }

    if have("promtool", "promtool", &["--version"]) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            deploy("compose/prometheus.yml"),
            dir.path().join("prometheus.yml"),
        )
        .unwrap();
        std::fs::copy(
            deploy("prometheus/callpulse.rules.yml"),
            dir.path().join("callpulse.rules.yml"),
        )
        .unwrap();
        let (out, err) = run(
            "promtool",
            &[
                "check",
                "config",
                dir.path().join("prometheus.yml").to_str().unwrap(),
            ],
        );
        assert!(
            format!("{out}{err}").contains("1 rule files found"),
            "{out}{err}"
        );
    }
    if let Some((program, base)) = compose_command() {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join("compose.env");
        std::fs::write(&env_file, "GRAFANA_ADMIN_PASSWORD=a-long-test-password\n").unwrap();
        for profile in [&[][..], &["--profile", "demo"][..]] {
            let mut args = base.clone();
            args.extend(["-f", "deploy/docker-compose.yml"]);
            args.extend(["--env-file", env_file.to_str().unwrap()]);
            args.extend(profile);
            args.extend(["config", "--quiet"]);
            run(program, &args);
        }
        // The shipped example, copied unedited, is refused: no default password.
        let mut args = base.clone();
        let example = deploy(".env.example");
        args.extend(["-f", "deploy/docker-compose.yml", "--env-file"]);
        args.extend([example.to_str().unwrap(), "config", "--quiet"]);
        let out = Command::new(program)
            .args(&args)
            .env_remove("GRAFANA_ADMIN_PASSWORD")
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            !out.status.success()
                && String::from_utf8_lossy(&out.stderr).contains("GRAFANA_ADMIN_PASSWORD"),
            "compose starts Grafana without an admin password: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Finding 6 of issue 15: compose published Alertmanager, Prometheus and Grafana (admin/admin)
/// on every interface. Only callpulse and Grafana are published, on loopback; Grafana's admin
/// password comes from deploy/.env (ignored by git), never from the compose file.
#[test]
fn compose_publishes_only_callpulse_and_grafana_on_loopback_and_no_default_password() {
    if !pyyaml() {
        return;
    }
    let compose = one_yaml(&deploy("docker-compose.yml"));
    let services = compose["services"].as_object().unwrap();
    let mut published = BTreeSet::new();
    for (name, svc) in services {
        for port in svc["ports"].as_array().into_iter().flatten() {
            let port = str_of(port, "a port");
            assert!(
                port.starts_with("127.0.0.1:") && !port.contains("0.0.0.0"),
                "service {name} publishes {port:?} beyond loopback"
            );
            published.insert(name.as_str());
        }
        assert!(
            svc.get("network_mode").map_or(true, |m| m != "host"),
            "service {name} shares the host's network"
        );
    }
    assert_eq!(published, BTreeSet::from(["callpulse", "grafana"]));
    let text = read(&deploy("docker-compose.yml"));
    assert!(!text.contains("admin/admin") && !text.contains("admin / admin"));
    let grafana_env = &services["grafana"]["environment"];
    assert_eq!(
        grafana_env["GF_SECURITY_ADMIN_PASSWORD"]
            .as_str()
            .and_then(|v| v.strip_prefix("${GRAFANA_ADMIN_PASSWORD:?")),
        Some("set GRAFANA_ADMIN_PASSWORD in deploy/.env (copy deploy/.env.example)}"),
        "the password is required from the environment file, with no default"
    );
    for (k, v) in grafana_env.as_object().unwrap() {
        let v = v.as_str().unwrap_or_default();
        assert!(
            (!k.contains("PASSWORD") || v.starts_with("${")) && v != "admin",
            "{k} = {v:?} is written in the compose file"
        );
    }
    let example = read(&deploy(".env.example"));
    assert!(
        example.lines().any(|l| l == "GRAFANA_ADMIN_PASSWORD="),
        "the example holds no password: {example}"
    );
    assert!(
        read(&root().join(".gitignore"))
            .lines()
            .any(|l| l == "deploy/.env"),
        "deploy/.env is never committed"
    );
}
