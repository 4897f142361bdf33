//! Scopes a tally belongs to, and the interner that turns queue, agent and component names
//! into small ids once, at ingest, so the hot path hashes integers.

use crate::event::Id;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// What a tally is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// The whole center: each call once, from its first offer.
    Center,
    Queue(u32),
    Agent(u32),
    Component(u32),
}

impl Scope {
    pub fn kind(self) -> &'static str {
        match self {
            Scope::Center => "center",
            Scope::Queue(_) => "queue",
            Scope::Agent(_) => "agent",
            Scope::Component(_) => "component",
        }
    }
}

/// One namespace of interned names.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Interner {
    names: Vec<Id>,
    ids: FxHashMap<Id, u32>,
}

impl Interner {
    pub fn intern(&mut self, name: &Id) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.clone());
        self.ids.insert(name.clone(), id);
        id
    }

    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    pub fn name(&self, id: u32) -> &Id {
        &self.names[id as usize]
    }

    /// Every id, in the order of the names.
    pub fn ids_by_name(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..self.len() as u32).collect();
        ids.sort_unstable_by(|a, b| self.name(*a).cmp(self.name(*b)));
        ids
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Rebuilds the map from names to ids from the names (a restored checkpoint: the map is
    /// derived, never trusted). A name listed twice is an error naming both ids.
    fn reindex(&mut self, what: &str) -> Result<(), String> {
        let mut ids = FxHashMap::default();
        ids.reserve(self.names.len());
        for (id, name) in self.names.iter().enumerate() {
            if let Some(first) = ids.insert(name.clone(), id as u32) {
                return Err(format!("{what} names {first} and {id} are the same"));
            }
        }
        self.ids = ids;
        Ok(())
    }

    /// Whether `id` names one of these names; the error names `what` and the id.
    pub fn check(&self, id: u32, what: &str) -> Result<(), String> {
        if (id as usize) < self.names.len() {
            Ok(())
        } else {
            Err(format!(
                "{what} id {id} out of range ({} {what} names)",
                self.names.len()
            ))
        }
    }
}

/// The interned names of queues, agents and components.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Names {
    pub queues: Interner,
    pub agents: Interner,
    pub components: Interner,
}

impl Names {
    /// The name of a scope's subject, `None` for the center.
    pub fn of(&self, scope: Scope) -> Option<&Id> {
        match scope {
            Scope::Center => None,
            Scope::Queue(q) => Some(self.queues.name(q)),
            Scope::Agent(a) => Some(self.agents.name(a)),
            Scope::Component(c) => Some(self.components.name(c)),
        }
    }

    /// Rebuilds each interner's map from its names (see [`Interner`]); restore calls it.
    pub(super) fn reindex(&mut self) -> Result<(), String> {
        self.queues.reindex("queue")?;
        self.agents.reindex("agent")?;
        self.components.reindex("component")
    }

    /// Whether the subject of `scope` has a name.
    pub fn check(&self, scope: Scope) -> Result<(), String> {
        match scope {
            Scope::Center => Ok(()),
            Scope::Queue(q) => self.queues.check(q, "queue"),
            Scope::Agent(a) => self.agents.check(a, "agent"),
            Scope::Component(c) => self.components.check(c, "component"),
        }
    }

    pub fn check_queue(&self, id: u32) -> Result<(), String> {
        self.queues.check(id, "queue")
    }
}
