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

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
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
}
