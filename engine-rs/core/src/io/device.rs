//! The device sink: a cpal output stream whose callback only copies from the audio ring (no allocation, no lock), converting to the device's sample format and channel count.

use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};

use super::ring::{drain_into, AudioConsumer, Shared};

/// An opened, not yet started, output device.
pub struct Device {
    device: cpal::Device,
    config: cpal::StreamConfig,
    format: cpal::SampleFormat,
    /// The device's name as the host reports it.
    pub name: String,
}

impl Device {
    /// The device's sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.config.sample_rate.0
    }
    /// The device's channel count.
    pub fn channels(&self) -> u16 {
        self.config.channels
    }
}

/// Runs `f` with the process's stderr pointed at /dev/null, so that ALSA's own messages about
/// missing cards do not land over the terminal UI; our errors say what went wrong instead.
fn quiet_stderr<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: dup/open/dup2/close are called on file descriptors this function owns (the copy
    // of fd 2 and /dev/null) or on fd 2 itself, which is restored before returning; nothing
    // else in the process relies on fd 2 staying the same object during this control-thread call.
    unsafe {
        let saved = libc::dup(2);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if saved < 0 || null < 0 {
            if saved >= 0 {
                libc::close(saved);
            }
            if null >= 0 {
                libc::close(null);
            }
            return f();
        }
        libc::dup2(null, 2);
        libc::close(null);
        let out = f();
        libc::dup2(saved, 2);
        libc::close(saved);
        out
    }
}

/// Opens the output device called `name` (or the default), at `sample_rate` if given (else the
/// device's own rate), asking for `period_frames`-frame buffers. Control thread.
pub fn open(
    name: Option<&str>,
    sample_rate: Option<u32>,
    period_frames: usize,
) -> Result<Device, String> {
    quiet_stderr(|| {
        let host = cpal::default_host();
        let device = match name {
            Some(want) => host
                .output_devices()
                .map_err(|e| format!("cannot list output devices: {e}"))?
                .find(|d| d.name().map(|n| n == want).unwrap_or(false))
                .ok_or_else(|| format!("no output device called '{want}'"))?,
            None => host
                .default_output_device()
                .ok_or_else(|| "no default output device".to_string())?,
        };
        let name = device.name().unwrap_or_else(|_| "unknown device".into());
        let default = device
            .default_output_config()
            .map_err(|e| format!("{name}: cannot read its output configuration: {e}"))?;
        let rate = sample_rate.unwrap_or(default.sample_rate().0);
        let config = cpal::StreamConfig {
            channels: default.channels(),
            sample_rate: cpal::SampleRate(rate),
            buffer_size: cpal::BufferSize::Fixed(period_frames as u32),
        };
        Ok(Device {
            device,
            config,
            format: default.sample_format(),
            name,
        })
    })
}

fn build<T: SizedSample + FromSample<f32>>(
    dev: &Device,
    config: &cpal::StreamConfig,
    mut ring: AudioConsumer,
    shared: Arc<Shared>,
) -> Result<cpal::Stream, cpal::BuildStreamError> {
    let channels = config.channels as usize;
    let errors = shared.clone();
    dev.device.build_output_stream(
        config,
        move |out: &mut [T], _: &cpal::OutputCallbackInfo| {
            let frames = out.len() / channels.max(1);
            let got = drain_into(&mut ring, out, channels, T::from_sample);
            if got < frames {
                Shared::add(&shared.underruns, 1);
            }
            Shared::add(&shared.played, frames as u64);
        },
        move |_err| {
            errors
                .device_error
                .store(true, std::sync::atomic::Ordering::Relaxed)
        },
        None,
    )
}

/// Starts playing from the ring. Falls back to the device's default buffer size when it
/// refuses the requested one. Control thread.
pub fn start(
    dev: &Device,
    ring: AudioConsumer,
    shared: Arc<Shared>,
) -> Result<cpal::Stream, String> {
    quiet_stderr(|| {
        // The ring moves into the callback, so a refused fixed buffer size cannot retry with
        // the same ring: ask the device first whether the size is in its supported range.
        let mut config = dev.config.clone();
        if let cpal::BufferSize::Fixed(want) = config.buffer_size {
            let ok = dev
                .device
                .supported_output_configs()
                .map(|mut cs| {
                    cs.any(|c| match c.buffer_size() {
                        cpal::SupportedBufferSize::Range { min, max } => {
                            (*min..=*max).contains(&want)
                        }
                        cpal::SupportedBufferSize::Unknown => false,
                    })
                })
                .unwrap_or(false);
            if !ok {
                config.buffer_size = cpal::BufferSize::Default;
            }
        }
        use cpal::SampleFormat as F;
        let stream = match dev.format {
            F::F32 => build::<f32>(dev, &config, ring, shared),
            F::I16 => build::<i16>(dev, &config, ring, shared),
            F::I32 => build::<i32>(dev, &config, ring, shared),
            F::U16 => build::<u16>(dev, &config, ring, shared),
            F::F64 => build::<f64>(dev, &config, ring, shared),
            other => return Err(format!("{}: unsupported sample format {other}", dev.name)),
        }
        .map_err(|e| format!("{}: cannot open an output stream: {e}", dev.name))?;
        stream
            .play()
            .map_err(|e| format!("{}: cannot start: {e}", dev.name))?;
        Ok(stream)
    })
}
