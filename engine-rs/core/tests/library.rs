//! Samples from disk through the Engine: Dirt layout, `name:i` order and wrapping, bad files, resampling to the engine rate, FLAC from sonic-pi-samples when installed.

use std::path::{Path, PathBuf};

use phonon_core::Engine;

const SR: u32 = 44100;

const SAMPLER: &str = r#"{"version": 1, "nodes": [{"id": 0, "kind": "sampler"}],
  "outputs": [{"name": "out", "node": 0}],
  "lanes": [{"id": 0, "kind": "trigger", "node": 0, "pattern": "x"}],
  "stages": [[0]]}"#;

/// A fresh empty directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("phonon-lib-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_wav(path: &Path, rate: u32, data: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for x in data {
        w.write_sample(*x).unwrap();
    }
    w.finalize().unwrap();
}

/// Plays `name:index` once at frame 0 and returns `n` frames of the left channel.
fn play(e: &mut Engine, name: &str, index: i64, n: usize) -> Vec<f32> {
    e.load(&mut SAMPLER.as_bytes().to_vec()).unwrap();
    let id = e.sample_id(name, index).unwrap() as f64;
    let at = e.frame() as f64;
    e.push_events(&[at, 0.0, 0.0, 1.0, 0.0, id]).unwrap();
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    e.render(&mut l, &mut r);
    l
}

/// The frequency (0.05 Hz steps within `lo..hi`) where a Hann-windowed DFT of `x` peaks.
fn dft_peak(x: &[f32], sr: f64, lo: f64, hi: f64) -> f64 {
    let n = x.len();
    let win: Vec<f64> = (0..n)
        .map(|i| {
            (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n - 1) as f64).cos())
                * f64::from(x[i])
        })
        .collect();
    let mut best = (lo, 0.0);
    let mut f = lo;
    while f <= hi {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in win.iter().enumerate() {
            let ph = std::f64::consts::TAU * f * i as f64 / sr;
            re += v * ph.cos();
            im += v * ph.sin();
        }
        let m = re * re + im * im;
        if m > best.1 {
            best = (f, m);
        }
        f += 0.05;
    }
    best.0
}

/// Three files in a Dirt-layout folder are `x:0..2` by file name (not by creation order);
/// `x:3` wraps to `x:0`; names from disk replace the kit's `bd`; a corrupt file and a WAV with
/// no frames give warnings naming their paths and the rest load.
#[test]
fn dirt_layout_order_wrapping_and_bad_files() {
    let root = temp_dir("layout");
    let x = root.join("x");
    std::fs::create_dir_all(&x).unwrap();
    // Written in an order unlike their names; the value tells which file plays.
    for (file, v) in [("c.wav", 0.3f32), ("a.wav", 0.1), ("b.WAV", 0.2)] {
        write_wav(&x.join(file), SR, &vec![v; 1000]);
    }
    std::fs::write(x.join("notes.txt"), "ignored").unwrap();
    let bd = root.join("bd");
    std::fs::create_dir_all(&bd).unwrap();
    write_wav(&bd.join("only.wav"), SR, &[0.7; 500]);
    std::fs::write(bd.join("broken.wav"), b"RIFF\x10\x00\x00\x00WAVEjunkjunk").unwrap();
    std::fs::write(bd.join("broken.flac"), b"fLaC-not-really").unwrap();
    let mut e = Engine::new(SR, 512);
    let kit_bd = e.sample_id("bd", 0).unwrap();
    let s = e.load_samples(&[root.clone(), PathBuf::from("/nonexistent/phonon")]);
    assert_eq!(s.loaded, 4);
    assert_eq!(s.names, 2);
    assert_eq!(s.roots.len(), 2);
    assert!(s.roots[0].found && !s.roots[1].found);
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    assert!(s.warnings.iter().any(|w| w.contains("broken.wav")));
    assert!(s.warnings.iter().any(|w| w.contains("broken.flac")));
    // The 45th frame is past the 1 ms attack: the file's value exactly.
    for (i, want) in [(0, 0.1f32), (1, 0.2), (2, 0.3), (3, 0.1), (-1, 0.3)] {
        let l = play(&mut e, "x", i, 1200);
        assert_eq!(l[100], want, "x:{i}");
        assert_eq!(l[999], want, "x:{i} lasts 1000 frames");
        assert_eq!(l[1000], 0.0);
    }
    // bd is the disk's (one file, wraps to itself); the kit's other names remain.
    assert_ne!(e.sample_id("bd", 0), Some(kit_bd));
    assert_eq!(e.sample_id("bd", 1), e.sample_id("bd", 0));
    assert!(e.sample_id("sn", 0).is_some());
    assert_eq!(play(&mut e, "bd", 0, 600)[100], 0.7);
    // A higher-priority root wins a name whole (levels stay under the master limiter, −1 dBFS).
    let first = temp_dir("first");
    std::fs::create_dir_all(first.join("x")).unwrap();
    write_wav(&first.join("x").join("z.wav"), SR, &[0.8; 100]);
    let mut e = Engine::new(SR, 512);
    let s = e.load_samples(&[first, root]);
    assert_eq!((s.roots[0].names, s.roots[1].names), (1, 1));
    assert_eq!(play(&mut e, "x", 2, 200)[60], 0.8);
}

/// A 1 kHz sine written at 48 kHz plays at 1 kHz (DFT peak ± 1 Hz) in a 44.1 kHz engine, keeps
/// its duration (0.5 s → 22050 frames, ± the resampler's ringing) and its level (peak ≈ 0.5).
#[test]
fn a_48k_file_plays_at_the_right_pitch_at_44k1() {
    let root = temp_dir("rate");
    std::fs::create_dir_all(root.join("tone")).unwrap();
    let tone: Vec<f32> = (0..24000)
        .map(|i| 0.5 * (std::f64::consts::TAU * 1000.0 * i as f64 / 48000.0).sin() as f32)
        .collect();
    write_wav(&root.join("tone").join("t.wav"), 48000, &tone);
    let mut e = Engine::new(SR, 512);
    let s = e.load_samples(&[root]);
    assert_eq!(s.loaded, 1);
    let l = play(&mut e, "tone", 0, 30000);
    let last = l.iter().rposition(|v| v.abs() > 1e-3).unwrap();
    assert!((22040..=22050).contains(&last), "last audible frame {last}");
    let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((peak - 0.5).abs() < 0.01, "peak {peak}");
    let f = dft_peak(&l[1000..21000], f64::from(SR), 990.0, 1010.0);
    assert!((f - 1000.0).abs() <= 1.0, "peak at {f} Hz");
    // Played unresampled it would be at 1000 · 48000/44100 = 1088.4 Hz: far outside.
}

/// Real recorded FLAC files from Debian's sonic-pi-samples (CC0), mapped into a Dirt-layout
/// folder: they decode, load at 44.1 kHz and sound. Skipped (with a note) when not installed.
#[test]
fn sonic_pi_flac_files_load_when_installed() {
    let src = Path::new("/usr/share/sonic-pi/samples");
    let files = [
        "bd_haus.flac",
        "drum_snare_hard.flac",
        "drum_cymbal_closed.flac",
    ];
    if !files.iter().all(|f| src.join(f).is_file()) {
        eprintln!("NOTE: sonic-pi-samples is not installed; the FLAC test is skipped");
        return;
    }
    let root = temp_dir("spi");
    for (name, f) in ["bd", "sn", "hh"].iter().zip(files) {
        std::fs::create_dir_all(root.join(name)).unwrap();
        std::fs::copy(src.join(f), root.join(name).join(f)).unwrap();
    }
    let mut e = Engine::new(SR, 512);
    let s = e.load_samples(&[root]);
    assert_eq!(s.loaded, 3, "{:?}", s.warnings);
    assert!(s.warnings.is_empty());
    for name in ["bd", "sn", "hh"] {
        let l = play(&mut e, name, 0, 4410);
        let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak > 0.05 && peak <= 1.5, "{name}: peak {peak}");
    }
}

/// While playing, the library picks up what changes under a root: a new folder (once its file
/// has held still for one listing, so a half-copied file is never decoded), a rewritten file
/// (a new id; the old id keeps its audio for voices still sounding) and a removed folder (its
/// name is gone, its audio stays). Unchanged files keep their ids; the kit keeps its names.
#[test]
fn the_library_follows_files_added_rewritten_and_removed() {
    use phonon_core::library::Library;
    use phonon_core::SampleBank;
    let root = temp_dir("refresh");
    std::fs::create_dir_all(root.join("bd")).unwrap();
    write_wav(&root.join("bd/a.wav"), SR, &[0.5; 100]);
    let mut kit = SampleBank::default();
    kit.add("kitsound", phonon_core::Sample::mono(vec![0.1; 10]));
    let (mut lib, summary) = Library::load(&kit, std::slice::from_ref(&root), SR);
    assert_eq!((summary.names, summary.loaded), (1, 1));
    let bd = lib.bank().id("bd", 0).unwrap();
    assert!(lib.refresh().is_none(), "nothing changed");

    std::fs::create_dir_all(root.join("hh")).unwrap();
    write_wav(&root.join("hh/x.wav"), SR, &[0.25; 50]);
    assert!(lib.refresh().is_none(), "a new file waits one listing");
    let (bank, changes) = lib.refresh().expect("the new folder");
    assert_eq!(changes.added, vec![("hh".to_string(), 1)]);
    assert!(changes.changed.is_empty() && changes.removed.is_empty());
    let hh = bank.id("hh", 0).unwrap();
    assert_eq!(bank.get(hh).unwrap().frames(), 50);
    assert_eq!(bank.id("bd", 0), Some(bd), "an unchanged file keeps its id");
    assert!(bank.id("kitsound", 0).is_some());

    write_wav(&root.join("bd/a.wav"), SR, &[0.5; 300]);
    let _ = lib.refresh();
    let (bank, changes) = lib.refresh().expect("the rewritten file");
    assert_eq!(changes.changed, vec![("bd".to_string(), 1)]);
    let bd2 = bank.id("bd", 0).unwrap();
    assert_ne!(bd2, bd);
    assert_eq!(bank.get(bd2).unwrap().frames(), 300);
    assert_eq!(
        bank.get(bd).unwrap().frames(),
        100,
        "the old audio stays for sounding voices"
    );

    std::fs::remove_dir_all(root.join("hh")).unwrap();
    let (bank, changes) = lib.refresh().expect("the removed folder");
    assert_eq!(changes.removed, vec!["hh".to_string()]);
    assert_eq!(bank.id("hh", 0), None);
    assert_eq!(bank.get(hh).unwrap().frames(), 50);
    assert!(lib.refresh().is_none());
    std::fs::remove_dir_all(&root).unwrap();
}
