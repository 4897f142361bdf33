//! Process and machine figures from /proc: CPU seconds, RSS, the load average.

/// The machine's load average, to see whether something else ran alongside.
pub(crate) fn print_load() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!("load average (1, 5, 15 min): {}", load.join(" "));
}

/// A field of /proc/PID/status in kB (`pid` may be "self").
pub(crate) fn proc_status_kb(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

/// CPU seconds: of this process, of one other process (the service), of the whole machine.
/// What is missing is NaN.
#[derive(Clone, Copy)]
pub(crate) struct Cpu {
    pub(crate) own: f64,
    pub(crate) child: f64,
    machine: f64,
}

impl Cpu {
    pub(crate) fn now(child: Option<u32>) -> Cpu {
        Cpu {
            own: cpu_seconds("self").unwrap_or(f64::NAN),
            child: child
                .and_then(|pid| cpu_seconds(&pid.to_string()))
                .unwrap_or(f64::NAN),
            machine: machine_cpu_seconds().unwrap_or(f64::NAN),
        }
    }

    pub(crate) fn since(self, before: Cpu) -> Cpu {
        Cpu {
            own: self.own - before.own,
            child: self.child - before.child,
            machine: self.machine - before.machine,
        }
    }

    /// Everything else on the machine: the broker, and whatever else ran.
    pub(crate) fn rest(&self) -> f64 {
        let child = if self.child.is_nan() { 0.0 } else { self.child };
        // The machine's and the processes' tick counts are sampled apart: keep it from going
        // below zero.
        (self.machine - self.own - child).max(0.0)
    }
}

/// Busy CPU seconds of all cores together since boot, from the first line of /proc/stat.
fn machine_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<f64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum::<f64>();
    Some(busy / 100.0)
}

/// User + system CPU seconds of a process (`pid` may be "self"), from /proc/PID/stat
/// (clock ticks of 1/100 s, Linux's USER_HZ).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// Resets this process's VmHWM to its current RSS (Linux: `5` to /proc/self/clear_refs).
pub(crate) fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
