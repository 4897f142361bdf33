//! The deployment files of `deploy/` against the code: the Grafana dashboard and the generated
//! rules ask only for series that callpulse exports (or that the rules record), and the
//! Dockerfile, docker-compose file, Kubernetes manifests and systemd unit parse, pass the
//! validators available (docker compose, kubernetes-validate, promtool,
//! amtool, systemd-analyze) and use callpulse's port, paths, probes, shutdown timeout and real
//! configuration keys.
//!
//! YAML is read through `tests/python/yaml_to_json.py` (PyYAML). A missing tool fails the test
//! under `CI=true` and skips it elsewhere, as in the other modules. The Docker image itself is
//! built only where a Docker daemon answers (none is installed for the tests).

mod compose;
mod config_keys;
mod dockerfile;
mod files;
mod grafana;
mod kubernetes;
mod promql;
mod series;
mod systemd;
