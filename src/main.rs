//! `callpulse`: arguments → configuration → command → exit code.
//!
//! Exit codes: 0 success (rejected events do not change it), 1 an I/O or runtime error,
//! 2 bad arguments, 64 an invalid configuration.

use anyhow::Context as _;
use callpulse::adapter::Adapter;
use callpulse::alert::{rules, Profile};
use callpulse::cli::{
    Cli, Command, ConvertArgs, DemoArgs, EngineArgs, EvidenceCommand, InputArgs, ProduceArgs,
    ReportArgs, RulesArgs, RunArgs, SimulateArgs, TokenCommand,
};
use callpulse::codec::Decoder;
use callpulse::config::Config;
use callpulse::convert;
use callpulse::evidence;
use callpulse::output::RejectWriter;
use callpulse::produce::LineProducer;
use callpulse::replay::{self, Replay};
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::evidence::Recorder;
use callpulse::service::{self, kafka, Shared, Shutdown, State};
use callpulse::sim::{SimConfig, Simulator};
use callpulse::time::{self, rfc3339, Granularity, Millis, HOUR};
use clap::Parser as _;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, with the bad value, instead of clap's usage block.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            eprintln!("callpulse: {}", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CALLPULSE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match cli.command {
        Command::Simulate(args) => simulate(&args),
        Command::Run(args) => run(&args),
        Command::Demo(args) => demo(args),
        Command::Convert(args) => convert(&args),
        Command::Produce(args) => produce(&args),
        Command::Rules(args) => write_rules(&args),
        Command::Evidence(EvidenceCommand::Verify(args)) => ExitCode::from(
            evidence::command::verify(&args.store, args.public_key.as_deref()),
        ),
        Command::Evidence(EvidenceCommand::Keygen(args)) => {
            ExitCode::from(evidence::command::keygen(&args.out))
        }
        Command::Report(args) => report(&args),
        Command::Token(TokenCommand::Hash) => token_hash(),
        Command::Replay(args) => {
            let (cfg, mut adapter) = match input_config(&args.engine, &args.input) {
                Ok(both) => both,
                Err(code) => return code,
            };
            let r = Replay {
                files: args.files,
                granularity: args.period.into(),
                format: args.format,
                rejected: args.rejected,
                scopes: args
                    .scope
                    .iter()
                    .map(|s| format!("{s:?}").to_lowercase())
                    .collect(),
                progress: !args.no_progress,
                decode_only: args.decode_only,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match replay::run(&cfg, &r, &mut adapter, &mut out) {
                Ok(summary) => {
                    let _ = out.flush();
                    let _ = summary.write_to(&mut std::io::stderr());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    let _ = out.flush();
                    eprintln!("callpulse: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// The configuration with the input options, and the input format's adapter (a bad mapping
/// file is an invalid configuration: exit 64).
fn input_config(engine: &EngineArgs, input: &InputArgs) -> Result<(Config, Adapter), ExitCode> {
    let invalid = |e: callpulse::config::ConfigError| {
        eprintln!("callpulse: {e}");
        ExitCode::from(64)
    };
    let cfg = engine
        .config_with(|raw| input.apply(raw))
        .map_err(invalid)?;
    let adapter = Adapter::new(&cfg.input, decoder(&cfg)).map_err(invalid)?;
    Ok((cfg, adapter))
}

fn decoder(cfg: &Config) -> Decoder {
    Decoder {
        max_bytes: cfg.engine.max_event_bytes,
    }
}

fn convert(args: &ConvertArgs) -> ExitCode {
    let (cfg, mut adapter) = match input_config(&args.engine, &args.input) {
        Ok(both) => both,
        Err(code) => return code,
    };
    let result = (|| -> anyhow::Result<convert::Converted> {
        if let Some(path) = &args.output {
            let same = |f: &String| {
                std::fs::canonicalize(f)
                    .ok()
                    .is_some_and(|f| std::fs::canonicalize(path).is_ok_and(|out| out == f))
            };
            if args.files.iter().any(same) {
                anyhow::bail!(
                    "--output {} is one of the input files: it would be emptied before it is read",
                    path.display()
                );
            }
        }
        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            ),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut out);
        convert::convert(
            &args.files,
            &mut adapter,
            cfg.engine.max_event_bytes,
            args.rejected.as_deref(),
            &mut out,
        )
    })();
    match result {
        Ok(done) => {
            let _ = done.write_to(&mut std::io::stderr(), "written");
            ExitCode::SUCCESS
        }
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("callpulse: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn produce(args: &ProduceArgs) -> ExitCode {
    let (cfg, mut adapter) = match input_config(&args.engine, &args.input) {
        Ok(both) => both,
        Err(code) => return code,
    };
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        eprintln!(
            "callpulse: --rate must be 0 or more events per second, got {}",
            args.rate
        );
        return ExitCode::from(2);
    }
    let mut kafka = cfg.kafka.clone();
    if let Some(brokers) = &args.brokers {
        kafka.brokers.clone_from(brokers);
    }
    let topic = args
        .topic
        .clone()
        .unwrap_or_else(|| cfg.kafka.topics[0].clone());
    let result = (|| -> anyhow::Result<()> {
        let client = callpulse::kafka_client::client_config(&kafka);
        let producer = LineProducer::new(&client, &topic, Some(args.rate))?;
        let progress = !args.no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let done = convert::produce(
            &args.files,
            &mut adapter,
            cfg.engine.max_event_bytes,
            args.rejected.as_deref(),
            producer,
            progress,
        )?;
        let _ = done.write_to(&mut std::io::stderr(), &format!("sent to {topic}"));
        Ok(())
    })();
    exit_code(result)
}

/// The configuration of `run` and `demo`: file, environment and options, and `--listen`.
fn service_config(
    engine: &EngineArgs,
    listen: Option<&str>,
    more: impl FnOnce(&mut callpulse::config::RawConfig),
) -> Result<Config, ExitCode> {
    let mut cfg = engine.config_with(more).map_err(|e| {
        eprintln!("callpulse: {e}");
        ExitCode::from(64)
    })?;
    if let Some(text) = listen {
        cfg.service.listen = text.parse().map_err(|_| {
            eprintln!("callpulse: --listen must be an IP address and port such as 127.0.0.1:9898, got {text:?}");
            ExitCode::from(2)
        })?;
    }
    Ok(cfg)
}

fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("callpulse: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &RunArgs) -> ExitCode {
    let cfg = match service_config(&args.engine, args.listen.as_deref(), |raw| {
        args.input.apply(raw);
        if let Some(path) = &args.follow {
            raw.input.follow = path.display().to_string();
        }
        if let Some(path) = &args.position_file {
            raw.input.position_file = path.display().to_string();
        }
    }) {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let mut adapter = match Adapter::new(&cfg.input, decoder(&cfg)) {
        Ok(adapter) => adapter,
        Err(e) => {
            eprintln!("callpulse: {e}");
            return ExitCode::from(64);
        }
    };
    // What a live stream cannot do: wait for its end to sort, or (Kafka) learn the columns
    // from a header line.
    let mut problems = Vec::new();
    if adapter.needs_sorting() {
        problems.push("csv.sort: a live stream cannot wait for its end to be sorted: set sort = false (rows out of order by more than engine.lateness are applied late, with revisions)");
    }
    if cfg.input.follow.is_none() && adapter.learns_header() {
        problems.push("csv.names: a Kafka message is one row without a header line: name the columns in csv.names (or set header = false and name columns by position)");
    }
    if !problems.is_empty() {
        let mapping = cfg.input.mapping.clone().unwrap_or_default();
        eprintln!(
            "callpulse: invalid configuration {}:\n  {}",
            mapping.display(),
            problems.join("\n  ")
        );
        return ExitCode::from(64);
    }
    let listen = cfg.service.listen;
    let input = cfg.input.clone();
    let signer = match &cfg.evidence.signing_key_file {
        None => None,
        Some(file) => match evidence::sign::read_private(file) {
            Ok(key) => Some(evidence::sign::Signer::new(key, instance_name(&cfg))),
            Err(e) => {
                eprintln!("callpulse: evidence.signing_key_file: {e}");
                return ExitCode::from(64);
            }
        },
    };
    let recorder = match &cfg.evidence.path {
        Some(path) => match Recorder::open(path, signer) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!(
                    "callpulse: cannot open the evidence store {}: {e}",
                    path.display()
                );
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    let with_evidence = move |state: State| match recorder {
        Some(r) => state.with_evidence(r),
        None => state,
    };
    if let Some(path) = input.follow.clone() {
        let state = State::new(cfg, vec![path.display().to_string()]).with_adapter(adapter);
        let state = match with_alerts(with_evidence(state)) {
            Ok(state) => state,
            Err(code) => return code,
        };
        return exit_code(service::serve(
            Shared::new(state),
            listen,
            Shutdown::new(),
            move |shared, shutdown| service::follow::run(shared, &input, shutdown),
        ));
    }
    adapter.headerless();
    let kafka_cfg = cfg.kafka.clone();
    let state = State::new(cfg, kafka_cfg.topics.clone()).with_adapter(adapter);
    let state = match with_alerts(with_evidence(state)) {
        Ok(state) => state,
        Err(code) => return code,
    };
    exit_code(service::serve(
        Shared::new(state),
        listen,
        Shutdown::new(),
        move |shared, shutdown| kafka::consume(shared, &kafka_cfg, shutdown),
    ))
}

/// The name this instance signs evidence heads as: the consumer group and instance (as its
/// checkpoints are owned), or the followed file and the host.
fn instance_name(cfg: &Config) -> String {
    match &cfg.input.follow {
        Some(file) => service::checkpoint::owner(&file.display().to_string(), None),
        None => service::checkpoint::owner(
            &cfg.kafka.group_id,
            cfg.kafka
                .client
                .get("group.instance.id")
                .map(String::as_str),
        ),
    }
}

/// `callpulse token hash`: the `sha256` line of the token read on stdin; 2 when it is empty.
fn token_hash() -> ExitCode {
    let mut text = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
        eprintln!("callpulse: cannot read the token on stdin: {e}");
        return ExitCode::from(1);
    }
    let token = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if token.trim().is_empty() {
        eprintln!("callpulse: no token on stdin");
        return ExitCode::from(2);
    }
    println!("sha256 = \"{}\"", callpulse::config::sha256_hex(token));
    ExitCode::SUCCESS
}

/// The state with the alerts of the configured profile (none when `alerts.profile` is
/// empty); an invalid profile is an invalid configuration (exit 64).
fn with_alerts(state: State) -> Result<State, ExitCode> {
    let cfg = &state.config;
    let Some(name) = cfg.alerts.profile.clone() else {
        return Ok(state);
    };
    let profile = Profile::load(&name).map_err(|e| {
        eprintln!("callpulse: {e}");
        ExitCode::from(64)
    })?;
    let base = cfg
        .alerts
        .external_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", cfg.service.listen));
    let generator = format!("{base}/api/v1/alerts");
    let alerts = LiveAlerts::new(profile, &cfg.alerts, generator).map_err(|e| {
        eprintln!("callpulse: cannot start the alert delivery thread: {e}");
        ExitCode::from(1)
    })?;
    Ok(state.with_alerts(alerts))
}

/// `callpulse report`: 0 written, 1 unreadable input or unwritable output, 64 a bad request
/// or configuration.
fn report(args: &ReportArgs) -> ExitCode {
    use callpulse::report::{self, Lang, Range, ReportError, Source};
    let usage = |message: String| {
        eprintln!("callpulse: {message}");
        ExitCode::from(64)
    };
    let (cfg, mut adapter) = match input_config(&args.engine, &args.input) {
        Ok(both) => both,
        Err(code) => return code,
    };
    let calendar = cfg.engine.calendar();
    let date = |name: &str, text: &str| {
        text.parse::<chrono::NaiveDate>()
            .map_err(|_| format!("--{name} must be a date YYYY-MM-DD, got {text:?}"))
    };
    let to = match date("to", &args.to) {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let from = match args.from.as_deref().map(|f| date("from", f)).transpose() {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let range = if args.submission {
        let three = Range::last_three_months(to, &calendar);
        if let (Some(from), Some(r)) = (from, &three) {
            if from != r.from {
                eprintln!(
                    "callpulse: --from {from} ignored: the submission covers the three calendar months {} to {to}",
                    r.from
                );
            }
        }
        three
    } else {
        match from {
            Some(from) => Range::new(from, to, &calendar),
            None => return usage("--from is required (except with --submission)".into()),
        }
    };
    let Some(range) = range else {
        return usage(format!("--from must not be after --to {to}"));
    };
    if !args.stores.is_empty() && !args.inputs.is_empty() {
        return usage("--store and --input are two sources: give one".into());
    }
    let source = if args.inputs.is_empty() {
        let default = || {
            cfg.evidence
                .path
                .clone()
                .unwrap_or_else(|| "callpulse-evidence.sqlite".into())
        };
        Source::Stores(if args.stores.is_empty() {
            vec![default()]
        } else {
            args.stores.clone()
        })
    } else {
        Source::Files(args.inputs.clone())
    };
    let lang = args.lang.unwrap_or(
        if cfg.alerts.profile.as_deref() == Some(callpulse::config::BUILT_IN_PROFILE) {
            Lang::Zh
        } else {
            Lang::En
        },
    );
    let given_key = match args.public_key.as_deref().map(evidence::sign::read_public) {
        None => None,
        Some(Ok(key)) => Some(evidence::sign::fingerprint(&key)),
        Some(Err(e)) => return usage(e.to_string()),
    };
    let built = match report::make(&cfg, &range, &source, &mut adapter, args.queue.as_deref()) {
        Ok(mut r) => {
            if let (Some(fp), report::source::Provenance::Stores { stores }) =
                (&given_key, &mut r.provenance)
            {
                for s in stores {
                    s.signing_keys = vec![fp.clone()];
                }
            }
            r
        }
        Err(ReportError::Usage(m)) => return usage(m),
        Err(e @ ReportError::Input(_)) => {
            eprintln!("callpulse: {e}");
            return ExitCode::from(1);
        }
    };
    let write = |path: &std::path::Path, text: &str| {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    let result = if args.submission {
        let s = report::submission::build(&built);
        let prefix = args
            .out
            .clone()
            .unwrap_or_else(|| "callpulse-submission".into())
            .display()
            .to_string();
        write(
            format!("{prefix}.csv").as_ref(),
            &report::submission::csv(&s),
        )
        .and_then(|()| {
            write(
                format!("{prefix}.json").as_ref(),
                &report::submission::json(&s),
            )
        })
    } else {
        let text = report::render(&built, args.format, lang);
        match &args.out {
            Some(path) => write(path, &text),
            None => std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .context("cannot write the report"),
        }
    };
    exit_code(result)
}

/// `callpulse rules`: the profile as Prometheus rule files.
fn write_rules(args: &RulesArgs) -> ExitCode {
    let profile = match Profile::load(&args.profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("callpulse: {e}");
            return ExitCode::from(64);
        }
    };
    match rules::write_file(&profile, &args.profile, &args.out) {
        Ok(path) => {
            eprintln!("callpulse: wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "callpulse: cannot write the rules to {}: {e}",
                args.out.display()
            );
            ExitCode::from(1)
        }
    }
}

/// A fixed-offset zone where the local time now is about 10:00, so the demo center is busy
/// whenever it is started. Used when no time zone was asked for.
fn busy_zone(now: Millis) -> String {
    let utc_hour = now.rem_euclid(24 * HOUR) / HOUR;
    let mut n = 10 - utc_hour;
    if n < -12 {
        n += 24;
    }
    match n {
        0 => "Etc/UTC".into(),
        n if n > 0 => format!("Etc/GMT-{n}"),
        n => format!("Etc/GMT+{}", -n),
    }
}

fn demo(mut args: DemoArgs) -> ExitCode {
    let now = callpulse::time::wall_clock();
    let zone_asked = args.engine.timezone.is_some()
        || args.engine.config.is_some()
        || std::env::var_os("CALLPULSE_ENGINE_TIMEZONE").is_some();
    if !zone_asked {
        args.engine.timezone = Some(busy_zone(now));
    }
    // The simulator's events arrive in order: no need to wait 30 s for stragglers.
    if args.engine.lateness.is_none() && std::env::var_os("CALLPULSE_ENGINE_LATENESS").is_none() {
        args.engine.lateness = Some("2s".into());
    }
    let cfg = match service_config(&args.engine, args.listen.as_deref(), |_| {}) {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let start = match args.backfill.as_deref().map(time::parse_duration) {
        None => cfg.engine.calendar().period(Granularity::Day, now).start,
        Some(Ok(back)) => now - back,
        Some(Err(e)) => {
            eprintln!("callpulse: --backfill: {e}");
            return ExitCode::from(2);
        }
    };
    let rejected: Option<RejectWriter<Box<dyn Write + Send>>> = match &args.rejected {
        None => None,
        Some(path) => match callpulse::fsmode::create(path) {
            Ok(f) => Some(RejectWriter::new(Box::new(std::io::BufWriter::new(f)))),
            Err(e) => {
                eprintln!("callpulse: cannot create {}: {e}", path.display());
                return ExitCode::from(1);
            }
        },
    };
    let tz = cfg.engine.timezone;
    eprintln!(
        "callpulse: demo center in {tz} (local time {}), simulated from {}",
        rfc3339::format(now, &tz),
        rfc3339::format(start, &tz)
    );
    let sim = SimConfig {
        seed: args.seed,
        start,
        utc_offset: utc_offset(&tz, now),
        ..SimConfig::default()
    };
    let listen = cfg.service.listen;
    let state = match with_alerts(State::new(cfg, vec!["demo".into()])) {
        Ok(state) => state,
        Err(code) => return code,
    };
    let shared = Shared::new(state);
    exit_code(service::serve(
        shared,
        listen,
        Shutdown::new(),
        move |shared, shutdown| service::demo::run(shared, sim, rejected, shutdown),
    ))
}

/// The offset of `tz` from UTC at `t`.
fn utc_offset(tz: &chrono_tz::Tz, t: Millis) -> Millis {
    use chrono::{Offset, TimeZone};
    let utc = chrono::DateTime::from_timestamp_millis(t)
        .unwrap_or_default()
        .naive_utc();
    Millis::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()) * 1_000
}

fn simulate(args: &SimulateArgs) -> ExitCode {
    let start_text = args.start.clone().unwrap_or_else(|| {
        if args.brokers.is_some() {
            "now"
        } else {
            "2026-11-02T00:00:00+08:00"
        }
        .to_string()
    });
    let start = if start_text == "now" {
        Some(callpulse::time::wall_clock())
    } else {
        rfc3339::parse(&start_text)
    };
    let Some(start) = start else {
        eprintln!("callpulse: --start must be RFC 3339 with an offset, or now, got {start_text:?}");
        return ExitCode::from(2);
    };
    if !(args.hours > 0.0 && args.hours <= 24.0 * 400.0) {
        eprintln!(
            "callpulse: --hours must be more than 0 and at most 9600, got {}",
            args.hours
        );
        return ExitCode::from(2);
    }
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        eprintln!(
            "callpulse: --rate must be 0 or more events per second, got {}",
            args.rate
        );
        return ExitCode::from(2);
    }
    let end = start + (args.hours * HOUR as f64) as i64;
    let mut sim = Simulator::new(SimConfig {
        seed: args.seed,
        start,
        ..SimConfig::default()
    });
    if let (Some(brokers), Some(topic)) = (&args.brokers, &args.topic) {
        let result = (|| -> anyhow::Result<()> {
            // No configuration file here: `[kafka.client]` comes from the environment
            // (CALLPULSE_KAFKA_CLIENT_*), as for `run`.
            let mut kafka = callpulse::cli::EngineArgs::default().config()?.kafka;
            kafka.brokers.clone_from(brokers);
            let client = callpulse::kafka_client::client_config(&kafka);
            let mut producer = LineProducer::new(&client, topic, Some(args.rate))?;
            while let Some(line) = sim.next() {
                if sim.now() >= end {
                    break;
                }
                producer.send(&line)?;
            }
            let sent = producer.finish()?;
            eprintln!(
                "callpulse: sent {} events to {topic} in {:.1} s ({:.0} events/s)",
                sent.events,
                sent.seconds,
                sent.events as f64 / sent.seconds.max(1e-9)
            );
            Ok(())
        })();
        return exit_code(result);
    }
    let result = (|| -> std::io::Result<()> {
        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(std::fs::File::create(path)?),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut out);
        while let Some(line) = sim.next() {
            if sim.now() >= end {
                break;
            }
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("callpulse: cannot write events: {e}");
            ExitCode::from(1)
        }
    }
}
