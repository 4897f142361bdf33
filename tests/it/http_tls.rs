//! HTTPS (issue 15, access control): the server serves the certificate of
//! `http.tls_cert_file`, serves a replaced one after SIGHUP, and keeps the one in use when
//! the files it is asked to reload are broken. Certificates are made here (rcgen); the client
//! is ureq with rustls trusting only the test's authority.

use crate::support::service::Service;
use std::path::Path;
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A certificate authority of its own.
struct Authority {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Authority { cert, key }
    }

    /// Writes a server certificate for 127.0.0.1 signed by this authority, and its key.
    fn issue(&self, cert_file: &Path, key_file: &Path) {
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".into()])
                .unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        std::fs::write(cert_file, cert.pem()).unwrap();
        std::fs::write(key_file, key.serialize_pem()).unwrap();
    }

    /// GET `url` trusting this authority only: the status, or why there was none.
    fn get(&self, url: &str) -> Result<u16, String> {
        let root = ureq::tls::Certificate::from_der(self.cert.der()).to_owned();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        agent
            .get(url)
            .call()
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    }
}

/// Polls until `check` holds, or panics after 30 s with `what` and the log.
fn eventually(service: &Service, what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what} never happened\n--- log ---\n{}",
            service.log()
        );
        sleep(Duration::from_millis(200));
    }
}

#[test]
fn https_serves_the_configured_certificate_then_the_new_one_after_sighup_and_keeps_it_when_a_reload_fails(
) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (old, new) = (
        Authority::new("old authority"),
        Authority::new("new authority"),
    );
    old.issue(&cert, &key);
    std::fs::write(dir.path().join("events.jsonl"), "").unwrap();
    let config = dir.path().join("callpulse.toml");
    let path = |f: &str| dir.path().join(f).display().to_string();
    std::fs::write(
        &config,
        format!(
            "[input]\nfollow = {:?}\nposition_file = {:?}\nrejected_file = {:?}\n\n\
             [alerts]\nprofile = \"\"\n\n\
             [http]\ntls_cert_file = {:?}\ntls_key_file = {:?}\n",
            path("events.jsonl"),
            path("position.json"),
            path("rejected.tsv"),
            path("cert.pem"),
            path("key.pem"),
        ),
    )
    .unwrap();
    let mut service = Service::start(&["run", "--config", config.to_str().unwrap()], &[]);
    assert!(
        service.base.starts_with("https://127.0.0.1:"),
        "{}",
        service.base
    );
    let url = format!("{}/healthz", service.base);
    assert_eq!(old.get(&url), Ok(200), "{}", service.log());
    assert!(
        new.get(&url).is_err(),
        "a client trusting another authority is refused"
    );

    new.issue(&cert, &key);
    service.signal("HUP");
    eventually(&service, "the new certificate served after SIGHUP", || {
        new.get(&url) == Ok(200)
    });
    assert!(old.get(&url).is_err(), "the old certificate is gone");

    std::fs::write(&cert, "not a certificate\n").unwrap();
    service.signal("HUP");
    eventually(&service, "the failed reload logged", || {
        service.log().contains("cannot reload the TLS certificate")
    });
    assert_eq!(
        new.get(&url),
        Ok(200),
        "the certificate in use stays after a failed reload"
    );
    assert!(service.is_running(), "{}", service.log());
}
