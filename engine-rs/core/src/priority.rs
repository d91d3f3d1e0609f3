//! Real-time scheduling for the threads that make sound: asks the OS for SCHED_FIFO on the calling thread and says plainly what it got, or why not.
//!
//! Who calls [`promote_current_thread`]: each thread for itself, once, before its loop: the
//! `phonon-render` thread first thing in its closure (see `live.rs`), and each worker of a render
//! pool the same way. On Linux a scheduling policy belongs to one thread, so the call changes the
//! calling thread only; it may allocate (the refusal message), and is never called inside a block
//! loop. A refusal is not an error for playback: the caller keeps going at normal priority and
//! shows the message once.
//!
//! The crate: `thread-priority` (pure Rust over `libc`'s `pthread_setschedparam`, maintained,
//! MIT). `audio_thread_priority` (Mozilla's) was the other candidate: on Linux its default
//! feature asks RealtimeKit over D-Bus, which links `libdbus-1` through `dbus-sys` and needs the
//! `libdbus-1-dev` headers at build time (not installed here, and another system package for every
//! developer and CI); without that feature it makes the same `pthread_setschedparam` call with
//! less control over the priority and less detail in its errors. So: `thread-priority`, with the
//! limits read here through `libc`, and no RealtimeKit (a user who wants real-time audio grants
//! it as for JACK: CAP_SYS_NICE, or an `rtprio` line in /etc/security/limits.conf).
//!
//! What a granted thread must never do, and why it is safe here: a SCHED_FIFO thread that never
//! blocks starves every normal thread on its core. The render loop sleeps whenever its ring is
//! full, so it runs at most `periods_ahead` periods between sleeps; under overload (a program too
//! heavy to render in real time) it runs on, and then the kernel's real-time throttling
//! (`/proc/sys/kernel/sched_rt_runtime_us`, 95 % by default) still leaves the rest of the system
//! its share. A finite `RLIMIT_RTTIME` would instead kill the process (SIGXCPU) after that many
//! microseconds without a sleep, so promotion is refused when that limit is shorter than
//! [`RTTIME_PERIODS`] periods.

use std::fmt;

/// The SCHED_FIFO priority asked for (1..=99 on Linux): above the kernel's threaded interrupt
/// handlers (50), below a sound server's own thread (PipeWire's data thread asks for 88), which
/// must win: the render thread works `periods_ahead` periods ahead of it.
pub const RT_PRIORITY: i32 = 70;

/// Periods of audio a finite `RLIMIT_RTTIME` must cover (the longest the render loop runs between
/// two sleeps is `periods_ahead` ≤ 3 periods, plus a block).
pub const RTTIME_PERIODS: u64 = 4;

/// A real-time scheduling policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// SCHED_FIFO: runs until it blocks or a higher priority wakes.
    Fifo,
    /// SCHED_RR: like FIFO, with a time slice among equal priorities.
    RoundRobin,
}

/// What the OS granted the calling thread, as read back after the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Granted {
    /// The policy now in force.
    pub policy: Policy,
    /// The static priority now in force.
    pub priority: i32,
}

impl fmt::Display for Granted {
    /// "SCHED_FIFO 70".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.policy {
            Policy::Fifo => "SCHED_FIFO",
            Policy::RoundRobin => "SCHED_RR",
        };
        write!(f, "{name} {}", self.priority)
    }
}

/// Asks the OS to schedule the calling thread SCHED_FIFO at [`RT_PRIORITY`] (or at the
/// `RLIMIT_RTPRIO` limit when that is lower and not 0). Returns what is in force afterwards, read
/// back from the OS, or why it was refused, as one line to show the user. `period_frames` and
/// `sample_rate` give the device period, which a finite `RLIMIT_RTTIME` must cover. Callable
/// from any thread; it changes that thread only.
pub fn promote_current_thread(period_frames: usize, sample_rate: u32) -> Result<Granted, String> {
    imp::promote(period_frames, sample_rate)
}

#[cfg(target_os = "linux")]
mod imp {
    use super::{Granted, Policy, RTTIME_PERIODS, RT_PRIORITY};
    use thread_priority::{
        set_thread_priority_and_policy, thread_native_id, thread_schedule_policy_param,
        RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
    };

    const NORMAL: &str = "playing at normal priority";

    /// getrlimit's resource type: glibc declares its own, other C libraries an int.
    #[cfg(target_env = "gnu")]
    type Resource = libc::__rlimit_resource_t;
    #[cfg(not(target_env = "gnu"))]
    type Resource = libc::c_int;

    /// The soft limit of `resource`, or None when unlimited (or unreadable).
    fn soft_limit(resource: Resource) -> Option<u64> {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `lim` is a valid, writable rlimit that outlives the call; getrlimit only
        // writes into it.
        let rc = unsafe { libc::getrlimit(resource, &mut lim) };
        (rc == 0 && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
    }

    fn errno_name(code: i32) -> String {
        match code {
            libc::EPERM => "EPERM".into(),
            libc::EINVAL => "EINVAL".into(),
            libc::ESRCH => "ESRCH".into(),
            libc::ENOTSUP => "ENOTSUP".into(),
            _ => format!("errno {code}"),
        }
    }

    /// SCHED_FIFO at `priority` for the calling thread; the OS's refusal as an errno, or the
    /// crate's own reason.
    fn ask(priority: i32) -> Result<(), Result<i32, String>> {
        let value = u8::try_from(priority)
            .ok()
            .and_then(|p| ThreadPriorityValue::try_from(p).ok())
            .ok_or_else(|| Err(format!("priority {priority} is out of range")))?;
        set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Crossplatform(value),
            ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
        )
        .map_err(|e| match e {
            thread_priority::Error::OS(code) => Ok(code),
            other => Err(other.to_string()),
        })
    }

    /// Why a finite `RLIMIT_RTTIME` of `rttime` µs is too short for this period, if it is.
    pub(super) fn rttime_refusal(
        rttime: Option<u64>,
        period_frames: usize,
        sample_rate: u32,
    ) -> Option<String> {
        let rttime = rttime?;
        let period_us = period_frames as u64 * 1_000_000 / u64::from(sample_rate.max(1));
        let need = RTTIME_PERIODS * period_us;
        (rttime < need).then(|| {
            format!(
                "real-time priority not requested: RLIMIT_RTTIME is {rttime} µs, shorter than \
                 {RTTIME_PERIODS} periods ({need} µs), and the kernel would kill a real-time \
                 thread that runs that long without sleeping; {NORMAL}"
            )
        })
    }

    pub(super) fn promote(period_frames: usize, sample_rate: u32) -> Result<Granted, String> {
        let rttime = soft_limit(libc::RLIMIT_RTTIME);
        if let Some(why) = rttime_refusal(rttime, period_frames, sample_rate) {
            return Err(why);
        }
        let rtprio = soft_limit(libc::RLIMIT_RTPRIO);
        let mut result = ask(RT_PRIORITY);
        if let (Err(Ok(libc::EPERM)), Some(limit)) = (&result, rtprio) {
            // Without CAP_SYS_NICE the limit is the most an unprivileged thread may take.
            if limit > 0 && limit < RT_PRIORITY as u64 {
                result = ask(limit as i32);
            }
        }
        match result {
            Ok(()) => {}
            Err(Ok(libc::EPERM)) => {
                return Err(format!(
                    "real-time priority refused (EPERM): run with CAP_SYS_NICE or an rtprio \
                     limit in /etc/security/limits.conf (RLIMIT_RTPRIO is {}); {NORMAL}",
                    rtprio.map_or("unlimited".into(), |l| l.to_string())
                ))
            }
            Err(Ok(code)) => {
                return Err(format!(
                    "real-time priority refused ({}); {NORMAL}",
                    errno_name(code)
                ))
            }
            Err(Err(why)) => return Err(format!("real-time priority refused: {why}; {NORMAL}")),
        }
        // Report what the OS says is in force, not what was asked for.
        let (policy, params) = thread_schedule_policy_param(thread_native_id()).map_err(|e| {
            format!("real-time priority was asked for but cannot be read back ({e})")
        })?;
        let policy = match policy {
            ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo) => Policy::Fifo,
            ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::RoundRobin) => {
                Policy::RoundRobin
            }
            other => {
                return Err(format!(
                    "real-time priority was accepted but the thread runs {other:?}; {NORMAL}"
                ))
            }
        };
        Ok(Granted {
            policy,
            priority: params.sched_priority,
        })
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::Granted;

    pub(super) fn promote(_period_frames: usize, _sample_rate: u32) -> Result<Granted, String> {
        Err("real-time priority is requested on Linux only; playing at normal priority".into())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The calling thread's policy and priority, straight from the kernel.
    fn policy_now() -> (i32, i32) {
        let mut param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; `param` is a valid, writable sched_param.
        let rc = unsafe { libc::sched_getparam(0, &mut param) };
        assert_eq!(rc, 0);
        // SAFETY: pid 0 is the calling thread; the call reads no memory of ours.
        let policy = unsafe { libc::sched_getscheduler(0) };
        (policy, param.sched_priority)
    }

    /// Checks the result against what the kernel says afterwards: Ok exactly when the thread now
    /// runs FIFO/RR, with the priority reported; Err exactly when it still runs SCHED_OTHER.
    fn check_honest(result: &Result<Granted, String>) {
        let (policy, priority) = policy_now();
        match result {
            Ok(g) => {
                let want = match g.policy {
                    Policy::Fifo => libc::SCHED_FIFO,
                    Policy::RoundRobin => libc::SCHED_RR,
                };
                assert_eq!(policy, want, "Ok({g}) but the kernel says policy {policy}");
                assert_eq!(priority, g.priority);
                assert!(g.priority >= 1 && g.priority <= RT_PRIORITY);
                assert!(g.to_string().starts_with("SCHED_"));
            }
            Err(msg) => {
                assert_eq!(policy, libc::SCHED_OTHER, "Err({msg}) but policy {policy}");
                assert!(msg.contains("normal priority"), "{msg}");
                assert!(msg.contains("real-time priority"), "{msg}");
            }
        }
    }

    #[test]
    fn promotion_reports_what_the_kernel_did() {
        std::thread::spawn(|| {
            let before = policy_now().0;
            assert_eq!(before, libc::SCHED_OTHER);
            let result = promote_current_thread(512, 48000);
            check_honest(&result);
        })
        .join()
        .unwrap();
    }

    /// Without CAP_SYS_NICE (dropped from this thread alone) and with no rtprio limit, the
    /// request must come back refused with EPERM and the cure named.
    #[test]
    fn refusal_names_the_reason() {
        #[repr(C)]
        struct Header {
            version: u32,
            pid: i32,
        }
        #[repr(C)]
        #[derive(Clone, Copy, Default)]
        struct Data {
            effective: u32,
            permitted: u32,
            inheritable: u32,
        }
        const VERSION_3: u32 = 0x2008_0522;
        const CAP_SYS_NICE: u32 = 23;
        std::thread::spawn(|| {
            let mut header = Header {
                version: VERSION_3,
                pid: 0,
            };
            let mut data = [Data::default(); 2];
            // SAFETY: capget with version 3 writes two `Data` records (the layout of
            // `__user_cap_data_struct`) into `data`, which is valid and large enough.
            let rc = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
            assert_eq!(rc, 0);
            data[0].effective &= !(1 << CAP_SYS_NICE);
            // SAFETY: as above, reading the two records; capset with pid 0 changes the calling
            // thread only (this spawned test thread), and only drops a capability.
            let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
            assert_eq!(rc, 0);
            let result = promote_current_thread(512, 48000);
            check_honest(&result);
            // SAFETY: getrlimit writes into a valid rlimit that outlives the call.
            let rtprio = unsafe {
                let mut lim = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::getrlimit(libc::RLIMIT_RTPRIO, &mut lim);
                lim.rlim_cur
            };
            if rtprio == 0 {
                let msg = result.expect_err("no CAP_SYS_NICE and no rtprio limit");
                assert!(msg.contains("EPERM"), "{msg}");
                assert!(msg.contains("CAP_SYS_NICE"), "{msg}");
                assert!(msg.contains("limits.conf"), "{msg}");
            }
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_short_rttime_limit_is_a_reason_to_stay_normal() {
        // Four 2048-frame periods at 44.1 kHz take 185.7 ms.
        let short = imp::rttime_refusal(Some(1000), 2048, 44100).expect("1 ms is too short");
        assert!(short.contains("RLIMIT_RTTIME is 1000 µs"), "{short}");
        assert!(short.contains("185756 µs"), "{short}");
        assert!(imp::rttime_refusal(Some(200_000), 2048, 44100).is_none());
        assert!(imp::rttime_refusal(None, 2048, 44100).is_none());
    }
}
