//! The Kubernetes manifests: a StatefulSet of one consumer group with probes and a disruption
//! budget, and the in-cluster Prometheus configuration checked by promtool.

use super::config_keys::*;
use super::files::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

pub(crate) fn container(statefulset: &Value) -> &Value {
    &statefulset["spec"]["template"]["spec"]["containers"][0]
}

#[test]
fn the_kubernetes_manifests_run_a_statefulset_of_one_consumer_group_with_probes_and_a_budget() {
    if !pyyaml() {
        return;
    }
    let dir = deploy("kubernetes");
    let kustomization = one_yaml(&dir.join("kustomization.yaml"));
    let mut docs = Vec::new();
    for file in kustomization["resources"].as_array().unwrap() {
        let file = dir.join(str_of(file, "resource"));
        docs.extend(yaml(&file));
    }
    let find = |kind: &str, name: &str| -> &Value {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let sts = find("StatefulSet", "callpulse");
    let spec = &sts["spec"];
    assert!(spec["replicas"].as_u64().unwrap() >= 2, "several replicas");
    let selector = &spec["selector"]["matchLabels"];
    let pod = &spec["template"];
    for (k, v) in selector.as_object().unwrap() {
        assert_eq!(
            &pod["metadata"]["labels"][k], v,
            "the selector matches the pods"
        );
    }

    // The configuration: the ConfigMap's file with the container's variables over it.
    let cm = find("ConfigMap", "callpulse-config");
    let toml = str_of(&cm["data"]["callpulse.toml"], "callpulse.toml");
    let c = container(sts);
    let args: Vec<&str> = strings(&c["args"]);
    assert_eq!(args[0], "run");
    let config_at = args[args.iter().position(|a| *a == "--config").unwrap() + 1];
    let mounts = c["volumeMounts"].as_array().unwrap();
    let mount_of = |volume: &str| -> &str {
        mounts
            .iter()
            .find(|m| m["name"] == volume)
            .and_then(|m| m["mountPath"].as_str())
            .unwrap_or_else(|| panic!("no mount of {volume}"))
    };
    assert_eq!(config_at, format!("{}/callpulse.toml", mount_of("config")));
    let volumes = pod["spec"]["volumes"].as_array().unwrap();
    assert!(volumes
        .iter()
        .any(|v| v["name"] == "config" && v["configMap"]["name"] == "callpulse-config"));
    let mut env = BTreeMap::new();
    let mut from_pod_name = Vec::new();
    for e in c["env"].as_array().unwrap() {
        let name = str_of(&e["name"], "env").to_string();
        let value = match (&e["value"], &e["valueFrom"]["fieldRef"]["fieldPath"]) {
            (Value::String(v), _) => v.clone(),
            (_, Value::String(field)) => {
                assert_eq!(field, "metadata.name");
                from_pod_name.push(name.clone());
                "callpulse-0".to_string()
            }
            _ => panic!("{e}"),
        };
        env.insert(name, value);
    }
    assert_eq!(
        from_pod_name,
        ["CALLPULSE_KAFKA_CLIENT_GROUP_INSTANCE_ID"],
        "group.instance.id is the pod's name"
    );
    let cfg = check_variables("deploy/kubernetes (ConfigMap + env)", &env, Some(toml));
    assert_eq!(cfg.kafka.client["group.instance.id"], "callpulse-0");
    let p = listen_port(&cfg);
    assert_eq!(p, port());
    assert!(cfg.service.listen.ip().is_unspecified());

    // The evidence store on the pod's own volume.
    let store = cfg.evidence.path.clone().expect("an evidence store");
    let claims = spec["volumeClaimTemplates"].as_array().unwrap();
    assert_eq!(claims.len(), 1);
    let claim = str_of(&claims[0]["metadata"]["name"], "claim");
    assert_eq!(
        Path::new(mount_of(claim)),
        store.parent().unwrap(),
        "the evidence store is on the claimed volume"
    );
    assert!(cfg.evidence.checkpoint_every.is_some(), "checkpoints on");
    assert_eq!(
        spec["persistentVolumeClaimRetentionPolicy"]["whenScaled"],
        "Retain"
    );

    // Port, probes, shutdown.
    let ports = c["ports"].as_array().unwrap();
    assert_eq!(ports[0]["containerPort"], p);
    let port_name = str_of(&ports[0]["name"], "port name");
    let probe = |kind: &str| -> (String, String) {
        let get = &c[kind]["httpGet"];
        (
            str_of(&get["path"], kind).to_string(),
            get["port"].to_string().trim_matches('"').to_string(),
        )
    };
    assert_eq!(
        probe("livenessProbe"),
        ("/healthz".into(), port_name.into())
    );
    assert_eq!(
        probe("readinessProbe"),
        ("/readyz".into(), port_name.into())
    );
    assert_eq!(probe("startupProbe"), ("/healthz".into(), port_name.into()));
    let grace = pod["spec"]["terminationGracePeriodSeconds"]
        .as_u64()
        .unwrap();
    assert!(
        grace * 1000 > cfg.service.shutdown_timeout as u64,
        "terminationGracePeriodSeconds {grace} ≤ shutdown_timeout"
    );
    let ann = &pod["metadata"]["annotations"];
    assert_eq!(ann["prometheus.io/scrape"], "true");
    assert_eq!(ann["prometheus.io/port"], p.to_string());
    assert_eq!(ann["prometheus.io/path"], "/metrics");
    assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true);

    // Services and the disruption budget select the same pods.
    assert_eq!(spec["serviceName"], "callpulse-headless");
    for name in ["callpulse", "callpulse-headless"] {
        let svc = find("Service", name);
        assert_eq!(&svc["spec"]["selector"], selector, "Service {name}");
        assert_eq!(svc["spec"]["ports"][0]["port"], p);
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], port_name);
    }
    assert_eq!(
        find("Service", "callpulse-headless")["spec"]["clusterIP"],
        "None"
    );
    let pdb = find("PodDisruptionBudget", "callpulse");
    assert_eq!(&pdb["spec"]["selector"]["matchLabels"], selector);
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);

    // The Prometheus config that scrapes the pods by their annotations.
    let prom = one_yaml(&dir.join("prometheus.yml"));
    let relabel = prom["scrape_configs"][0]["relabel_configs"].to_string();
    for a in [
        "prometheus_io_scrape",
        "prometheus_io_port",
        "prometheus_io_path",
    ] {
        assert!(relabel.contains(a), "the scrape config ignores {a}");
    }
    if have("promtool", "promtool", &["--version"]) {
        check_kubernetes_prometheus(&dir.join("prometheus.yml"));
    }

    // Validators: the set kustomize would build (the resources the kustomization lists, a
    // fresh machine need not have kubectl), checked by kubernetes-validate against the
    // Kubernetes schemas.
    let kustomization = one_yaml(&dir.join("kustomization.yaml"));
    let built: Vec<String> = kustomization["resources"]
        .as_array()
        .expect("the kustomization lists its resources")
        .iter()
        .map(|r| std::fs::read_to_string(dir.join(r.as_str().unwrap())).unwrap())
        .collect();
    let built = built.join("\n---\n");
    for kind in ["ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget"] {
        assert!(
            built.contains(&format!("kind: {kind}")),
            "{kind} not listed"
        );
    }
    if have(
        "kubernetes-validate (python3 -m pip install kubernetes-validate)",
        "kubernetes-validate",
        &["--version"],
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("callpulse.yaml");
        std::fs::write(&file, built).unwrap();
        let (out, err) = run("kubernetes-validate", &["--strict", file.to_str().unwrap()]);
        assert_eq!(
            format!("{out}{err}")
                .matches(" passed for resource ")
                .count(),
            5,
            "{out}{err}"
        );
    }
}

/// promtool on the in-cluster Prometheus config, with the rules beside it. Debian's
/// Prometheus is built without Kubernetes discovery: there the discovery is replaced by a
/// static target and the rest (rules, relabelling, alerting) is checked.
pub(crate) fn check_kubernetes_prometheus(config: &Path) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        deploy("prometheus/callpulse.rules.yml"),
        dir.path().join("callpulse.rules.yml"),
    )
    .unwrap();
    let copy = dir.path().join("prometheus.yml");
    std::fs::copy(config, &copy).unwrap();
    let out = Command::new("promtool")
        .args(["check", "config", copy.to_str().unwrap()])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        assert!(text.contains("1 rule files found"), "{text}");
        return;
    }
    assert!(
        text.contains("field kubernetes_sd_configs not found"),
        "promtool check config {}:\n{text}",
        config.display()
    );
    let static_targets = read(config).replace(
        "kubernetes_sd_configs:\n      - role: pod",
        "static_configs:\n      - targets: [\"callpulse-0:9898\"]",
    );
    assert!(!static_targets.contains("kubernetes_sd_configs"));
    std::fs::write(&copy, static_targets).unwrap();
    let (out, err) = run("promtool", &["check", "config", copy.to_str().unwrap()]);
    assert!(
        format!("{out}{err}").contains("1 rule files found"),
        "{out}{err}"
    );
    eprintln!("promtool has no Kubernetes discovery: checked the rest with a static target");
}
