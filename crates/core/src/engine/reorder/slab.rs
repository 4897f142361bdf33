//! The reorder buffer's slots, grown a chunk at a time.

use super::Queued;
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Index, IndexMut};

/// Slots in a chunk: 1,024 slots of 168 bytes, about 170 kB.
const CHUNK: usize = 1_024;

/// The slots of the events a [`super::Reorder`] holds, by number, in chunks of [`CHUNK`].
///
/// A vector would double: a backlog that needs 140,000 slots would hold 262,144, and, while
/// growing to them, the 131,072 it had as well, every event copied across. Chunks grow by
/// what is needed and never move an event. Serialised as its slots in order, as a
/// `Vec<Option<Queued>>` is, so checkpoints keep their layout.
#[derive(Debug, Default)]
pub struct Slab {
    chunks: Vec<Box<[Option<Queued>]>>,
    len: usize,
}

impl Slab {
    /// Slots in use (each empty or holding an event).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Slots allocated.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.chunks.len() * CHUNK
    }

    /// Adds a slot holding `q`; returns its number.
    pub fn push(&mut self, q: Option<Queued>) -> usize {
        let slot = self.len;
        if slot == self.chunks.len() * CHUNK {
            self.chunks.push((0..CHUNK).map(|_| None).collect());
        }
        self.chunks[slot / CHUNK][slot % CHUNK] = q;
        self.len += 1;
        slot
    }

    /// The slots in use, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Option<Queued>> {
        self.chunks.iter().flat_map(|c| c.iter()).take(self.len)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Option<Queued>> {
        self.chunks
            .iter_mut()
            .flat_map(|c| c.iter_mut())
            .take(self.len)
    }

    /// Empties the slab; returns its slots in order.
    pub fn take_all(&mut self) -> impl Iterator<Item = Option<Queued>> {
        let len = std::mem::take(&mut self.len);
        std::mem::take(&mut self.chunks)
            .into_iter()
            .flat_map(|c| c.into_vec())
            .take(len)
    }
}

impl FromIterator<Option<Queued>> for Slab {
    fn from_iter<I: IntoIterator<Item = Option<Queued>>>(slots: I) -> Self {
        let mut slab = Slab::default();
        for q in slots {
            slab.push(q);
        }
        slab
    }
}

impl Index<usize> for Slab {
    type Output = Option<Queued>;

    fn index(&self, slot: usize) -> &Option<Queued> {
        assert!(slot < self.len, "slot {slot} of {}", self.len);
        &self.chunks[slot / CHUNK][slot % CHUNK]
    }
}

impl IndexMut<usize> for Slab {
    fn index_mut(&mut self, slot: usize) -> &mut Option<Queued> {
        assert!(slot < self.len, "slot {slot} of {}", self.len);
        &mut self.chunks[slot / CHUNK][slot % CHUNK]
    }
}

impl Serialize for Slab {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The length given up front (not `collect_seq`): postcard writes it first, and the
        // chunks' chained iterator does not know it.
        let mut seq = s.serialize_seq(Some(self.len))?;
        for q in self.iter() {
            seq.serialize_element(q)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Slab {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Slots;
        impl<'de> Visitor<'de> for Slots {
            type Value = Slab;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence of reorder slots")
            }

            // Slot by slot, whatever length the input claims: a restored state is untrusted.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Slab, A::Error> {
                let mut slab = Slab::default();
                while let Some(q) = seq.next_element()? {
                    slab.push(q);
                }
                Ok(slab)
            }
        }
        d.deserialize_seq(Slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Body, Event, Id};
    use crate::reject::Origin;

    fn queued(ts: i64) -> Queued {
        let event = Event {
            ts,
            event_id: None,
            body: Body::Abandoned {
                call: Id::new("c"),
                cause: Default::default(),
            },
        };
        Queued::new(event, Origin::default(), ts as u64)
    }

    #[test]
    fn a_slab_grows_a_chunk_at_a_time_and_serialises_as_a_vector_of_its_slots() {
        let slots: Vec<Option<Queued>> = (0..2_500)
            .map(|i| (i % 3 != 0).then(|| queued(i)))
            .collect();
        let slab: Slab = (0..2_500)
            .map(|i| (i % 3 != 0).then(|| queued(i)))
            .collect();
        assert_eq!(slab.len(), 2_500);
        assert_eq!(slab.capacity(), 3 * CHUNK, "what it needs, to the chunk");
        assert_eq!(slab[1_025].as_ref().map(|q| q.at), Some(1_025));
        assert!(slab[1_026].is_none(), "1,026 is a multiple of 3");
        let as_slab = postcard::to_stdvec(&slab).unwrap();
        assert_eq!(as_slab, postcard::to_stdvec(&slots).unwrap());
        let back: Slab = postcard::from_bytes(&as_slab).unwrap();
        let ats = |s: &Slab| {
            s.iter()
                .map(|q| q.as_ref().map(|q| q.at))
                .collect::<Vec<_>>()
        };
        assert_eq!(ats(&back), ats(&slab));
        let mut back = back;
        let taken: Vec<_> = back.take_all().map(|q| q.map(|q| q.at)).collect();
        assert_eq!(taken, ats(&slab));
        assert_eq!((back.len(), back.capacity()), (0, 0));
    }

    #[test]
    #[should_panic(expected = "slot 3 of 3")]
    fn a_slot_past_the_used_ones_is_not_read_even_inside_its_chunk() {
        let slab: Slab = (0..3).map(|i| Some(queued(i))).collect();
        let _ = &slab[3];
    }
}
