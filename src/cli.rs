//! Command-line arguments, and how they override the configuration file.

use crate::config::InputFormat;
use crate::config::{Config, ConfigError, Environment, RawConfig};
use crate::output::Format;
use crate::time::{Granularity, Millis};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "callpulse",
    version,
    about = "Call-center KPIs for YD/T 2823-2015 certification, live and from files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the KPI engine over input files (or stdin) and print closed period records.
    Replay(ReplayArgs),
    /// Read input files in any input format and write them as canonical JSON events.
    Convert(ConvertArgs),
    /// Send input files' events to a Kafka topic as canonical JSON, keyed by call id.
    Produce(ProduceArgs),
    /// Write a simulated call center's events as JSON Lines (or to Kafka): built-in demo data.
    Simulate(SimulateArgs),
    /// Consume call events from Kafka (or follow a file) and serve live KPIs: /metrics, /api/v1, the wallboard at /.
    Run(RunArgs),
    /// The live service fed by the built-in simulator instead of Kafka: live KPIs at once.
    Demo(DemoArgs),
    /// Write the Prometheus recording and alerting rules equivalent to a certification profile.
    Rules(RulesArgs),
    /// The audit evidence store: check its hash chain.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// The audit report (appendix A.4: target and actual per month and queue, scores,
    /// stability, availability, alerts, data completeness) or the 6.1.2 submission file.
    Report(ReportArgs),
    /// HTTP access tokens (`http.tokens_file`).
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Read a token on stdin (one trailing newline ignored) and print the `sha256 = "…"` line
    /// of its `[[token]]` entry.
    Hash,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// First day, YYYY-MM-DD in the center's time zone (not needed with --submission).
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive, YYYY-MM-DD in the center's time zone.
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub to: NaiveDate,
    /// Only this queue.
    #[arg(long, value_name = "QUEUE")]
    pub queue: Option<String>,
    /// Language [default: zh with the built-in Chinese profile, en otherwise].
    #[arg(long, value_enum)]
    pub lang: Option<crate::report::Lang>,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: crate::report::ReportFormat,
    /// Write here instead of stdout; with --submission, the prefix of PREFIX.csv and
    /// PREFIX.json [default: callpulse-submission].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The evidence store to read [default: evidence.path, callpulse-evidence.sqlite];
    /// repeatable: the stores of several instances add up.
    #[arg(long = "store", value_name = "FILE")]
    pub stores: Vec<PathBuf>,
    /// The evidence signing public key (PREFIX.pub of `callpulse evidence keygen`): its
    /// fingerprint is printed in the provenance [default: the keys the store names].
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// Read these input files through the engine instead of the store (repeatable).
    #[arg(long = "input", value_name = "FILE", num_args = 1..)]
    pub inputs: Vec<String>,
    /// Write the three-month performance-data file of rule 6.1.2 (CSV and JSON) for the
    /// three calendar months ending with --to.
    #[arg(long)]
    pub submission: bool,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Check every row's hash and link; name the first row changed, removed or inserted.
    /// With --public-key, check every signed head too. Exit 0 when intact (and signed), 65
    /// when the chain is broken, 66 when a signature fails or the last rows are unsigned, 1
    /// when the file or the key cannot be read.
    Verify(VerifyArgs),
    /// Write a new Ed25519 key pair for evidence.signing_key_file: PREFIX.key (mode 0600)
    /// and PREFIX.pub (for the auditor).
    Keygen(KeygenArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The evidence store (evidence.path of `callpulse run`).
    #[arg(long, value_name = "FILE", default_value = crate::config::DEFAULT_EVIDENCE_PATH)]
    pub store: PathBuf,
    /// The public key (PREFIX.pub of `callpulse evidence keygen`): every signature must be
    /// this key's and hold, and the last row must be signed.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Prefix of the two files written; neither may exist.
    #[arg(long, value_name = "PREFIX", default_value = "callpulse-evidence")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// The profile: a TOML file, or yd-t-2823-2015 for the built-in one.
    #[arg(long, value_name = "FILE", default_value = crate::config::BUILT_IN_PROFILE)]
    pub profile: String,
    /// The directory to write callpulse.rules.yml to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Follow this file (e.g. /var/log/asterisk/queue_log) instead of consuming Kafka
    /// [default: input.follow].
    #[arg(long, value_name = "FILE")]
    pub follow: Option<PathBuf>,
    /// Where the follower remembers how far it has read [default: input.position_file].
    #[arg(long, value_name = "FILE")]
    pub position_file: Option<PathBuf>,
    /// HTTP address of /metrics, the API and the wallboard [default: http.listen, 127.0.0.1:9898].
    #[arg(long, value_name = "ADDR", value_parser = socket_addr)]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// HTTP address of the wallboard, /metrics and the API [default: http.listen, 127.0.0.1:9898].
    #[arg(long, value_name = "ADDR", value_parser = socket_addr)]
    pub listen: Option<SocketAddr>,
    /// Seed of the simulator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulate this far back at start (e.g. 2h) instead of from local midnight.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub backfill: Option<Millis>,
    /// Also write each rejected line here, with its reason.
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// How many hours of event time to simulate.
    #[arg(long, default_value_t = 24.0, value_parser = hours)]
    pub hours: f64,
    /// Seed of the random streams: the same seed gives the same events.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First instant, RFC 3339, or `now` (the daily profile follows Beijing time)
    /// [default: 2026-11-02T00:00:00+08:00; with --brokers, now].
    #[arg(long, value_parser = instant)]
    pub start: Option<Millis>,
    /// Write here instead of stdout.
    #[arg(long, value_name = "FILE", conflicts_with = "brokers")]
    pub output: Option<PathBuf>,
    /// Send the events to Kafka (bootstrap servers) instead, keyed by call id.
    #[arg(long, value_name = "HOST:PORT", requires = "topic")]
    pub brokers: Option<String>,
    /// Topic to send to (with --brokers).
    #[arg(long, requires = "brokers")]
    pub topic: Option<String>,
    /// Events per second to send (with --brokers); 0 sends as fast as the broker takes them.
    /// Simulated time runs faster than the clock when the rate asks for it.
    #[arg(long, default_value_t = 0.0, requires = "brokers", value_parser = rate)]
    pub rate: f64,
}

/// Options shared by every command that runs the engine.
#[derive(Debug, Args, Clone, Default)]
pub struct EngineArgs {
    /// Configuration file (TOML); `CALLPULSE_ENGINE_<KEY>` variables override it, and
    /// command-line options override both.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Interval length: 5m, 10m, 15m, 30m or 60m.
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
    /// IANA time zone of intervals, days and months, e.g. Asia/Shanghai.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// Service-level threshold of every queue without an override, e.g. 20s.
    #[arg(long, value_name = "DURATION")]
    pub threshold: Option<String>,
    /// Allowed lateness of events behind the newest one seen, e.g. 30s.
    #[arg(long, value_name = "DURATION")]
    pub lateness: Option<String>,
}

impl EngineArgs {
    /// The configuration file (or the defaults) with these options applied, validated.
    pub fn config(&self) -> Result<Config, ConfigError> {
        self.config_with(|_| {})
    }

    /// The same, with the options of a command's own (`more` sets them on the raw file).
    pub fn config_with(&self, more: impl FnOnce(&mut RawConfig)) -> Result<Config, ConfigError> {
        let env = Environment::of_process();
        let (mut raw, name) = RawConfig::read(self.config.as_deref(), &env)?;
        more(&mut raw);
        let e = &mut raw.engine;
        for (slot, value) in [
            (&mut e.interval, &self.interval),
            (&mut e.timezone, &self.timezone),
            (&mut e.threshold, &self.threshold),
            (&mut e.lateness, &self.lateness),
        ] {
            if let Some(v) = value {
                *slot = v.clone();
            }
        }
        raw.validate().map_err(|problems| ConfigError {
            source_name: name,
            problems,
        })
    }
}

/// What the input records are; overrides `[input]` of the configuration.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Input format: canonical JSON events, Asterisk queue_log lines, or CSV/TSV call records
    /// [default: input.format, canonical].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
    /// Column mapping of the csv format (TOML), e.g. config/mappings/anonymous-bank-1999.toml.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
}

impl InputArgs {
    /// Sets these options on the raw configuration.
    pub fn apply(&self, raw: &mut RawConfig) {
        if let Some(format) = self.input_format {
            raw.input.format = format.name().into();
        }
        if let Some(path) = &self.mapping {
            raw.input.mapping = path.display().to_string();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    Interval,
    Day,
    Month,
}

impl From<PeriodArg> for Granularity {
    fn from(p: PeriodArg) -> Granularity {
        match p {
            PeriodArg::Interval => Granularity::Interval,
            PeriodArg::Day => Granularity::Day,
            PeriodArg::Month => Granularity::Month,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Center,
    Queue,
    Agent,
    Component,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Period of the printed records.
    #[arg(long, value_enum, default_value = "interval")]
    pub period: PeriodArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Keep each rejected line here, with its reason and position.
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<PathBuf>,
    /// Scopes to print, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "center,queue"
    )]
    pub scope: Vec<ScopeArg>,
    /// Print each record's service level by every definition side by side: 9.3.1, abandons
    /// ignored, abandons met, short abandons counted, flow-outs out, callbacks out.
    #[arg(long)]
    pub sl_variants: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Only read and decode, print nothing but the summary (measures parsing alone).
    #[arg(long, hide = true)]
    pub decode_only: bool,
    /// Read, decode and take the events on one thread, instead of reading and decoding on a
    /// thread beside the engine's (one core; and the reference of the two-core speed-up).
    #[arg(long)]
    pub single_thread: bool,
    /// Input files, plain or gzip-compressed, read in order as one stream; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the canonical events here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep each rejected record here, with its reason and position.
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<PathBuf>,
    /// Input files, plain or gzip-compressed, read in order as one stream; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProduceArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Kafka bootstrap servers [default: kafka.brokers].
    #[arg(long, value_name = "HOST:PORT")]
    pub brokers: Option<String>,
    /// Topic to send to [default: the first of kafka.topics].
    #[arg(long)]
    pub topic: Option<String>,
    /// Events per second; 0 sends as fast as the broker takes them.
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    pub rate: f64,
    /// Keep each rejected record here, with its reason and position.
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<PathBuf>,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Input files, plain or gzip-compressed, read in order as one stream; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
}

// Value parsers: a bad value is a clap error naming it (exit 2), before any command runs.

/// `--listen`: an IP address and port.
fn socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| "must be an IP address and port such as 127.0.0.1:9898".into())
}

/// `--from`, `--to`: a day.
fn date(text: &str) -> Result<NaiveDate, String> {
    text.parse().map_err(|_| "must be a date YYYY-MM-DD".into())
}

/// `--rate`: events per second, 0 or more.
fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r >= 0.0 && r.is_finite() => Ok(r),
        _ => Err("must be 0 or more events per second".into()),
    }
}

/// `simulate --hours`: more than 0, at most 400 days.
fn hours(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(h) if h > 0.0 && h <= 24.0 * 400.0 => Ok(h),
        _ => Err("must be more than 0 and at most 9600".into()),
    }
}

/// `simulate --start`: RFC 3339 with an offset, or `now` (the wall clock when parsed).
fn instant(text: &str) -> Result<Millis, String> {
    if text == "now" {
        return Ok(crate::time::wall_clock());
    }
    crate::time::rfc3339::parse(text)
        .ok_or_else(|| "must be RFC 3339 with an offset, or now".into())
}

/// `demo --backfill`: a duration such as 2h.
fn duration(text: &str) -> Result<Millis, String> {
    crate::time::parse_duration(text)
}
