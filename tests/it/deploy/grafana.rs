//! The Grafana dashboard: a dashboard with a queue variable on a Prometheus datasource, loaded
//! by provisioning from where compose mounts it.

use super::files::*;
use super::series::*;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn the_dashboard_is_a_grafana_dashboard_with_a_queue_variable_on_a_prometheus_datasource() {
    let dash = dashboard();
    assert_eq!(dash["uid"], "callpulse-kpis");
    assert!(dash["schemaVersion"].as_u64().unwrap() >= 39);
    assert!(dash["title"].as_str().unwrap().contains("callpulse"));
    let vars = dash["templating"]["list"].as_array().unwrap();
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no variable {name}"))
    };
    assert_eq!(var("datasource")["type"], "datasource");
    assert_eq!(var("datasource")["query"], "prometheus");
    let queue = var("queue");
    assert_eq!(queue["type"], "query");
    assert!(queue["definition"]
        .as_str()
        .unwrap()
        .starts_with("label_values("));
    assert_eq!(queue["query"]["query"], queue["definition"]);
    assert_eq!(queue["includeAll"], true);
    assert_eq!(queue["multi"], true);

    // Every panel: a unique id, inside the 24-column grid, no overlap; every query on the
    // dashboard's datasource variable; the per-queue panels filter by $queue.
    let mut ids = BTreeSet::new();
    let mut cells: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    let panels = dash["panels"].as_array().unwrap();
    let mut filtered = 0;
    for p in panels {
        let id = p["id"].as_u64().unwrap();
        assert!(ids.insert(id), "panel id {id} twice");
        let g = &p["gridPos"];
        let (x, y, w, h) = (
            g["x"].as_u64().unwrap(),
            g["y"].as_u64().unwrap(),
            g["w"].as_u64().unwrap(),
            g["h"].as_u64().unwrap(),
        );
        assert!(x + w <= 24 && w > 0 && h > 0, "panel {id}: {g}");
        for cx in x..x + w {
            for cy in y..y + h {
                if let Some(other) = cells.insert((cx, cy), id) {
                    panic!("panels {other} and {id} overlap at {cx},{cy}");
                }
            }
        }
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"]["uid"], "${datasource}", "panel {id}");
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "panel {id} has no query");
        for t in targets {
            assert_eq!(t["datasource"]["uid"], "${datasource}", "panel {id}");
            if t["expr"].as_str().unwrap().contains("$queue") {
                filtered += 1;
            }
        }
    }
    assert!(filtered >= 10, "{filtered} queries filter by $queue");
    assert!(
        panels
            .iter()
            .any(|p| p["type"] == "row" && p["repeat"] == "queue"),
        "a row repeated per queue"
    );
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    for want in [
        "Service level",
        "Answer rate",
        "Average speed of answer",
        "Calls waiting",
        "Availability",
        "Staffing gap",
        "Alerts",
    ] {
        assert!(
            titles.iter().any(|t| t.contains(want)),
            "no panel about {want}: {titles:?}"
        );
    }
}

#[test]
fn grafana_provisioning_loads_the_dashboard_from_where_compose_mounts_it() {
    if !pyyaml() {
        return;
    }
    let ds = one_yaml(&deploy("grafana/provisioning/datasources/prometheus.yml"));
    assert_eq!(ds["apiVersion"], 1);
    let source = &ds["datasources"][0];
    assert_eq!(source["type"], "prometheus");
    let dash = dashboard();
    let default = &dash["templating"]["list"][0]["current"]["value"];
    assert_eq!(
        &source["uid"], default,
        "the dashboard's default datasource"
    );
    let url = str_of(&source["url"], "url");

    let provider = one_yaml(&deploy("grafana/provisioning/dashboards/callpulse.yml"));
    assert_eq!(provider["apiVersion"], 1);
    let path = str_of(&provider["providers"][0]["options"]["path"], "path");

    let compose = one_yaml(&deploy("docker-compose.yml"));
    let grafana = &compose["services"]["grafana"];
    let mounts: Vec<&str> = strings(&grafana["volumes"]);
    assert!(
        mounts.contains(&format!("./grafana/dashboards:{path}:ro").as_str()),
        "{mounts:?} does not mount the dashboards at {path}"
    );
    for dir in ["datasources", "dashboards"] {
        let mount = format!("./grafana/provisioning/{dir}:/etc/grafana/provisioning/{dir}:ro");
        assert!(mounts.contains(&mount.as_str()), "{mount} in {mounts:?}");
    }
    let home = str_of(
        &grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"],
        "home",
    );
    assert_eq!(home, format!("{path}/callpulse.json"));
    assert!(compose["services"].get("prometheus").is_some());
    assert_eq!(
        url, "http://prometheus:9090",
        "the compose service's name and port"
    );
}
