//! The sample bank: decoded audio by name (`bd` → its files in order), addressed by numeric id on the render thread.

use std::collections::HashMap;
use std::sync::Arc;

/// One decoded sound at the engine's sample rate: one (mono) or two (stereo) channels of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    channels: Vec<Vec<f32>>,
}

impl Sample {
    /// A mono sample.
    pub fn mono(data: Vec<f32>) -> Sample {
        Sample {
            channels: vec![data],
        }
    }

    /// A stereo sample; the shorter channel is padded with zeros.
    pub fn stereo(mut left: Vec<f32>, mut right: Vec<f32>) -> Sample {
        let n = left.len().max(right.len());
        left.resize(n, 0.0);
        right.resize(n, 0.0);
        Sample {
            channels: vec![left, right],
        }
    }

    /// Length in frames.
    pub fn frames(&self) -> usize {
        self.channels[0].len()
    }

    /// 1 or 2.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Left and right; both are the single channel of a mono sample.
    pub fn left_right(&self) -> (&[f32], &[f32]) {
        let l = &self.channels[0];
        let r = self.channels.get(1).unwrap_or(l);
        (l, r)
    }
}

/// Samples by name. Each name holds a list (`bd:0`, `bd:1`, ...); every sample also has a global
/// id, its index in insertion order, which is what trigger events carry.
#[derive(Debug, Default, Clone)]
pub struct SampleBank {
    by_name: HashMap<String, Vec<u32>>,
    samples: Vec<Arc<Sample>>,
}

impl SampleBank {
    /// Appends `sample` to the list of `name` and returns its id. Control thread.
    pub fn add(&mut self, name: &str, sample: Sample) -> u32 {
        let id = self.samples.len() as u32;
        self.samples.push(Arc::new(sample));
        self.by_name.entry(name.to_string()).or_default().push(id);
        id
    }

    /// Makes `samples` the whole list of `name` (a name already present, e.g. from the kit, is
    /// replaced; its old samples keep their ids but no name reaches them). Control thread.
    pub fn replace(&mut self, name: &str, samples: Vec<Sample>) {
        let mut ids = Vec::with_capacity(samples.len());
        for s in samples {
            ids.push(self.samples.len() as u32);
            self.samples.push(Arc::new(s));
        }
        self.by_name.insert(name.to_string(), ids);
    }

    /// Appends a sample under no name yet; returns its id. Control side.
    pub fn push(&mut self, sample: Arc<Sample>) -> u32 {
        self.samples.push(sample);
        (self.samples.len() - 1) as u32
    }

    /// Makes `ids` the list of `name`. Control side.
    pub fn set_list(&mut self, name: &str, ids: Vec<u32>) {
        self.by_name.insert(name.to_string(), ids);
    }

    /// Keeps the samples (every id stays valid) but only the names `names` has, with its lists.
    /// Control side.
    pub fn keep_only_names(&mut self, names: &SampleBank) {
        self.by_name = names.by_name.clone();
    }

    /// The id of `name:index`; the index wraps around the name's list (negative ones too).
    pub fn id(&self, name: &str, index: i64) -> Option<u32> {
        let list = self.by_name.get(name)?;
        let i = index.rem_euclid(list.len() as i64) as usize;
        Some(list[i])
    }

    /// The samples of `name`, in order.
    pub fn list(&self, name: &str) -> Vec<Arc<Sample>> {
        self.by_name
            .get(name)
            .map(|ids| {
                ids.iter()
                    .map(|&i| self.samples[i as usize].clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The sample with id `id`. Render thread: a plain index, no allocation.
    #[inline]
    pub fn get(&self, id: u32) -> Option<&Sample> {
        self.samples.get(id as usize).map(|s| &**s)
    }

    /// Every name, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.by_name.keys().cloned().collect();
        v.sort();
        v
    }

    /// How many samples (ids are `0..len`).
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether the bank is empty.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_wrap_both_ways_and_names_sort() {
        let mut b = SampleBank::default();
        let a0 = b.add("sn", Sample::mono(vec![0.1]));
        let b0 = b.add("bd", Sample::mono(vec![0.2]));
        let b1 = b.add("bd", Sample::stereo(vec![0.3], vec![0.4, 0.5]));
        assert_eq!(b.id("bd", 0), Some(b0));
        assert_eq!(b.id("bd", 1), Some(b1));
        assert_eq!(b.id("bd", 3), Some(b1));
        assert_eq!(b.id("bd", -1), Some(b1));
        assert_eq!(b.id("bd", -2), Some(b0));
        assert_eq!(b.id("sn", 7), Some(a0));
        assert_eq!(b.id("cp", 0), None);
        assert_eq!(b.names(), vec!["bd".to_string(), "sn".to_string()]);
        let s = b.get(b1).unwrap();
        assert_eq!(s.frames(), 2);
        assert_eq!(s.left_right(), (&[0.3, 0.0][..], &[0.4, 0.5][..]));
        assert_eq!(b.list("bd").len(), 2);
    }
}
