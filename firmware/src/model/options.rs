//! How tract runs a model: arithmetic precision, convolution layout and worker threads.

use crate::error::{Error, Result};

/// Arithmetic precision tract runs a model in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit floats: every CPU.
    #[default]
    F32,
    /// 16-bit floats (tract's `f32_to_f16` transform applied before optimizing). Fast only on
    /// CPUs with native f16 arithmetic (ARMv8.2 FP16: Raspberry Pi 5's Cortex-A76; not Pi 3/4);
    /// elsewhere tract emulates it, slowly.
    F16,
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        })
    }
}

/// What the user asked for about f16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum F16Request {
    /// Run in f32.
    #[default]
    Off,
    /// f16 where the CPU has native f16 arithmetic, else f32 (with a note saying so).
    IfSupported,
    /// f16 even without native support (emulated: slow; for tests and comparisons).
    Force,
}

impl F16Request {
    /// The precision to use on this CPU, and a note for the user when the request was not
    /// granted as asked.
    pub fn resolve(self) -> (Precision, Option<String>) {
        match self {
            F16Request::Off => (Precision::F32, None),
            F16Request::Force => (Precision::F16, None),
            F16Request::IfSupported if cpu_has_native_f16() => (Precision::F16, None),
            F16Request::IfSupported => (
                Precision::F32,
                Some(
                    "this CPU has no native f16 arithmetic (it needs ARMv8.2 FP16, e.g. a Raspberry Pi 5); \
                     running in f32 instead"
                        .into(),
                ),
            ),
        }
    }
}

/// True when the running CPU does f16 arithmetic natively (aarch64 with FEAT_FP16).
pub fn cpu_has_native_f16() -> bool {
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("fp16")
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        false
    }
}

/// Options for [`Classifier::load_with`](super::Classifier::load_with).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    pub precision: Precision,
    /// Channels-last unless asked otherwise (see [`super::layout`]).
    pub layout: super::Layout,
}

/// Sets how many threads tract's matrix products use, for every model in this process.
/// 1 (the default) runs on the calling thread; more uses a private thread pool.
pub fn set_threads(threads: usize) -> Result<()> {
    use tract_onnx::tract_core::tract_linalg::multithread::{Executor, set_default_executor};
    match threads {
        0 => Err(Error::Config { setting: "threads".into(), problem: "0; expected 1 or more".into() }),
        1 => {
            set_default_executor(Executor::SingleThread);
            Ok(())
        }
        n => {
            set_default_executor(Executor::multithread(n));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_requests_resolve() {
        assert_eq!(F16Request::Off.resolve(), (Precision::F32, None));
        assert_eq!(F16Request::Force.resolve(), (Precision::F16, None));
        let (p, note) = F16Request::IfSupported.resolve();
        if cpu_has_native_f16() {
            assert_eq!((p, note), (Precision::F16, None));
        } else {
            assert_eq!(p, Precision::F32);
            assert!(note.unwrap().contains("f32 instead"));
        }
    }

    #[test]
    fn zero_threads_is_refused() {
        assert!(set_threads(0).unwrap_err().to_string().contains("threads"));
    }
}
