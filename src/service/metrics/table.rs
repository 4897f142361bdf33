//! Every family of [`catalogue`](super::catalogue) by number, built once: the samples of a
//! scrape are kept per family number, and the exposition writes the families in the order of
//! their names with the `# HELP` and `# TYPE` lines written here once.

use super::alerts;
use super::catalogue::{CATALOGUE, COUNTS, PROCESS};
use super::text::escape;
use prometheus::proto::MetricType;
use rustc_hash::FxHashMap;
use std::sync::LazyLock;

/// The number of a family in the [`Table`].
pub(super) type Id = usize;

/// One family: name, label names, and its header lines.
pub(super) struct Def {
    pub name: String,
    pub labels: Vec<&'static str>,
    /// `# HELP` and `# TYPE` lines, as the text encoder writes them.
    pub head: String,
}

/// Every family by number.
pub(super) struct Table {
    defs: Vec<Def>,
    by_name: FxHashMap<String, Id>,
    /// The numbers in the order of the names: the order of the exposition.
    pub order: Vec<Id>,
    /// The families of [`COUNTS`] per queue (`callpulse_<suffix>`) and center-wide.
    pub counts: [Id; COUNTS.len()],
    pub center_counts: [Id; COUNTS.len()],
}

/// The table of every family.
pub(super) fn table() -> &'static Table {
    static TABLE: LazyLock<Table> = LazyLock::new(Table::build);
    &TABLE
}

impl Table {
    fn build() -> Table {
        let mut table = Table {
            defs: Vec::new(),
            by_name: FxHashMap::default(),
            order: Vec::new(),
            counts: [0; COUNTS.len()],
            center_counts: [0; COUNTS.len()],
        };
        for (i, (suffix, help, _)) in COUNTS.iter().enumerate() {
            let counter = MetricType::COUNTER;
            table.counts[i] = table.add(format!("callpulse_{suffix}"), counter, &["queue"], help);
            table.center_counts[i] =
                table.add(format!("callpulse_center_{suffix}"), counter, &[], help);
        }
        for f in CATALOGUE.iter().chain(&PROCESS).chain(&alerts::FAMILIES) {
            table.add(f.name.to_string(), f.kind, f.labels, f.help);
        }
        for (name, labels, help) in alerts::window_families() {
            table.add(name, MetricType::GAUGE, &labels, help);
        }
        let mut order: Vec<Id> = (0..table.defs.len()).collect();
        order.sort_by(|a, b| table.defs[*a].name.cmp(&table.defs[*b].name));
        table.order = order;
        table
    }

    fn add(&mut self, name: String, kind: MetricType, labels: &[&'static str], help: &str) -> Id {
        let id = self.defs.len();
        let kind_name = match kind {
            MetricType::COUNTER => "counter",
            MetricType::GAUGE => "gauge",
            MetricType::HISTOGRAM => "histogram",
            MetricType::SUMMARY => "summary",
            MetricType::UNTYPED => "untyped",
        };
        let mut head = String::new();
        if !help.is_empty() {
            head = format!("# HELP {name} {}\n", escape(help, false));
        }
        head.push_str(&format!("# TYPE {name} {kind_name}\n"));
        let known = self.by_name.insert(name.clone(), id);
        assert!(known.is_none(), "{name} is catalogued twice");
        self.defs.push(Def {
            name,
            labels: labels.to_vec(),
            head,
        });
        id
    }

    /// The family named `name`.
    pub fn id(&self, name: &str) -> Id {
        *self
            .by_name
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the catalogue"))
    }

    pub fn def(&self, id: Id) -> &Def {
        &self.defs[id]
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }
}
