//! Real output pins on a Raspberry Pi through rppal (feature `rppal`).
//!
//! rppal's `OutputPin` implements `embedded_hal::digital::OutputPin` itself; this module only
//! opens the GPIO peripheral and claims pins with errors a user can act on.

use rppal::gpio::{Gpio, OutputPin};

use crate::error::{Error, Result};

/// The Pi's GPIO peripheral.
#[derive(Debug)]
pub struct PiGpio(Gpio);

impl PiGpio {
    /// Opens `/dev/gpiomem` (or the Pi 5's RP1 interface).
    pub fn open() -> Result<Self> {
        Gpio::new().map(Self).map_err(|e| Error::Config {
            setting: "--gpio rppal".into(),
            problem: format!(
                "cannot open the Raspberry Pi GPIO ({e}); run on a Pi as a user in the `gpio` group, \
                 or use --gpio sim"
            ),
        })
    }

    /// Claims BCM pin `bcm` as an output, driven to its inactive level (high for an active-low
    /// output, else low) from the first instant. The pin is released (reset to an input) when
    /// dropped.
    pub fn output(&self, bcm: u8, inactive_high: bool) -> Result<OutputPin> {
        let pin = self
            .0
            .get(bcm)
            .map_err(|e| Error::Config { setting: format!("GPIO{bcm}"), problem: format!("cannot claim the pin ({e}); is another program using it?") })?;
        Ok(if inactive_high { pin.into_output_high() } else { pin.into_output_low() })
    }
}
