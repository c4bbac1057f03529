//! Opening the configured backend's pins as one [`LedBank`]: `sim`, `rppal` or `gpiocdev`.

use super::{AnyPin, LedBank, SimPin, TransitionLog};
use crate::error::{Error, Result};

/// The outputs `pins` of `backend` (`sim`, `rppal`, `gpiocdev`), each claimed at its inactive
/// level (`active_low` pins high) and driven off. Simulated pins record into `log`.
pub fn open(backend: &str, pins: &[u8], active_low: &[u8], log: &TransitionLog) -> Result<LedBank<AnyPin>> {
    match backend {
        "sim" => LedBank::with_active_low(pins, active_low, |bcm, _| Ok(AnyPin::Sim(SimPin::new(format!("GPIO{bcm}"), log.clone())))),
        #[cfg(feature = "rppal")]
        "rppal" => {
            let gpio = super::rpi::PiGpio::open()?;
            LedBank::with_active_low(pins, active_low, |bcm, high| gpio.output(bcm, high).map(AnyPin::Rppal))
        }
        #[cfg(not(feature = "rppal"))]
        "rppal" => Err(missing("rppal", "Raspberry Pi GPIO support")),
        #[cfg(feature = "gpiocdev")]
        "gpiocdev" => LedBank::with_active_low(pins, active_low, |bcm, high| super::cdev::output(bcm, high).map(AnyPin::Cdev)),
        #[cfg(not(feature = "gpiocdev"))]
        "gpiocdev" => Err(missing("gpiocdev", "GPIO character device support")),
        other => Err(Error::Config { setting: "GPIO backend".into(), problem: format!("{other:?}: expected sim, rppal or gpiocdev") }),
    }
}

/// A backend this build left out.
#[cfg(any(not(feature = "rppal"), not(feature = "gpiocdev")))]
fn missing(feature: &str, what: &str) -> Error {
    Error::Config {
        setting: format!("GPIO backend {feature}"),
        problem: format!("this beckon was built without {what}; rebuild with `cargo build --release -p beckon-firmware --features {feature}`"),
    }
}
