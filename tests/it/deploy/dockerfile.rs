//! The Dockerfile: built in stages, run as a user on callpulse's port, with a health check
//! (the image itself built only where a Docker daemon answers).

use super::config_keys::*;
use super::files::*;
use std::collections::BTreeMap;
use std::process::Command;

#[test]
fn the_dockerfile_builds_in_stages_and_runs_as_a_user_on_the_port_with_a_health_check() {
    let text = read(&deploy("Dockerfile"));
    // Instructions, with continuation lines joined.
    let joined = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\n", " ");
    let instructions: Vec<(String, String)> = joined
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (op, rest) = l.trim().split_once(' ').unwrap();
            (op.to_uppercase(), rest.trim().to_string())
        })
        .collect();
    let all = |op: &str| -> Vec<&str> {
        instructions
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, r)| r.as_str())
            .collect()
    };
    let froms = all("FROM");
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(froms[0].starts_with("rust:") && froms[0].ends_with(" AS build"));
    let runtime = froms.last().unwrap();
    assert!(
        runtime.starts_with("debian:") && runtime.contains("-slim"),
        "{runtime}"
    );
    // The build stage installs librdkafka's build needs, as .ci/test does.
    let runs = all("RUN").join("\n");
    for dep in [
        "gcc",
        "g++",
        "make",
        "pkg-config",
        "libssl-dev",
        "zlib1g-dev",
    ] {
        assert!(runs.contains(dep), "the build stage lacks {dep}");
    }
    // Every COPY from the context names something that exists.
    for copy in all("COPY") {
        if copy.starts_with("--from") {
            continue;
        }
        let parts: Vec<&str> = copy.split_whitespace().collect();
        for src in &parts[..parts.len() - 1] {
            assert!(
                root().join(src).exists(),
                "COPY {src}: not in the repository"
            );
        }
    }
    // Runtime: the user, the port, the health check, the paths.
    let user = all("USER");
    let user = user.last().expect("a USER");
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "{user}"
    );
    assert_eq!(all("EXPOSE"), [port().to_string()]);
    let health = all("HEALTHCHECK").join(" ");
    assert!(
        health.contains(&format!("http://127.0.0.1:{}/healthz", port())),
        "{health}"
    );
    let mut env = BTreeMap::new();
    for line in all("ENV") {
        for pair in line.split_whitespace() {
            let (k, v) = pair.split_once('=').expect("ENV KEY=VALUE");
            env.insert(k.to_string(), v.to_string());
        }
    }
    let cfg = check_variables("deploy/Dockerfile", &env, None);
    assert_eq!(listen_port(&cfg), port());
    assert!(
        cfg.service.listen.ip().is_unspecified(),
        "listen on every interface"
    );
    let store = cfg.evidence.path.clone().expect("an evidence store");
    let volume = all("VOLUME").join(" ");
    let state_dir = store.parent().unwrap().display().to_string();
    assert!(
        volume.contains(&format!("\"{state_dir}\"")),
        "VOLUME {volume}"
    );
    assert_eq!(all("WORKDIR").last().unwrap(), &state_dir);
    let cmd = all("CMD").join(" ");
    let copied_config = all("COPY")
        .iter()
        .find_map(|c| c.strip_prefix("config/callpulse.toml "))
        .expect("the config file is copied")
        .to_string();
    assert!(
        cmd.contains(&format!("\"--config\", \"{copied_config}\"")),
        "{cmd}"
    );
    assert!(all("ENTRYPOINT")
        .join("")
        .contains("/usr/local/bin/callpulse"));

    // The image itself, where a Docker daemon answers (none is installed for the tests).
    let daemon = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if daemon && std::env::var("CALLPULSE_DOCKER_BUILD").as_deref() == Ok("1") {
        run(
            "docker",
            &[
                "build",
                "-f",
                "deploy/Dockerfile",
                "-t",
                "callpulse:test",
                ".",
            ],
        );
    } else {
        eprintln!(
            "not building the image: set CALLPULSE_DOCKER_BUILD=1 where a Docker daemon runs"
        );
    }
}
