//! Driving LEDs (or any GPIO line) from gestures, through `embedded_hal::digital::OutputPin`.
//!
//! - [`sim`]: a simulated pin that records its transitions (the default off the Pi, and tests).
//! - [`map`]: which pins each label switches on (the command-line mapping).
//! - the levels come from [`crate::actions::Actuator`] (hold, toggle, blink, pulse).
//! - [`LedBank`]: a set of output pins driven to the levels asked for (active-low ones inverted).
//! - [`backend`]: the configured backend's pins as one bank.
//!
//! - [`rpi`] (feature `rppal`): real pins on a Raspberry Pi.
//! - [`cdev`] (feature `gpiocdev`): lines of the Linux GPIO character device, found by name.
//! - [`AnyPin`]: a pin of whichever backend was chosen at run time.

pub mod backend;
#[cfg(feature = "gpiocdev")]
pub mod cdev;
pub mod map;
#[cfg(feature = "rppal")]
pub mod rpi;
pub mod sim;

use embedded_hal::digital::OutputPin;

use crate::error::{Error, Result};
pub use map::LedMap;
pub use sim::{SimPin, Transition, TransitionLog};

/// An output pin of any backend, so the backend can be chosen at run time.
#[derive(Debug)]
pub enum AnyPin {
    Sim(SimPin),
    #[cfg(feature = "rppal")]
    Rppal(rppal::gpio::OutputPin),
    #[cfg(feature = "gpiocdev")]
    Cdev(gpiocdev_embedded_hal::OutputPin),
}

/// A pin that could not be driven (only the character-device backend can fail after setup).
#[derive(Debug)]
pub struct PinError(pub String);

impl embedded_hal::digital::Error for PinError {
    fn kind(&self) -> embedded_hal::digital::ErrorKind {
        embedded_hal::digital::ErrorKind::Other
    }
}

impl embedded_hal::digital::ErrorType for AnyPin {
    type Error = PinError;
}

impl OutputPin for AnyPin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.set(false)
    }

    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.set(true)
    }
}

impl AnyPin {
    fn set(&mut self, high: bool) -> Result<(), PinError> {
        let state = embedded_hal::digital::PinState::from(high);
        match self {
            AnyPin::Sim(p) => p.set_state(state).map_err(|e| match e {}),
            #[cfg(feature = "rppal")]
            AnyPin::Rppal(p) => OutputPin::set_state(p, state).map_err(|e| match e {}),
            #[cfg(feature = "gpiocdev")]
            AnyPin::Cdev(p) => OutputPin::set_state(p, state).map_err(|e| PinError(e.to_string())),
        }
    }
}

/// One named output line and its last driven state.
#[derive(Debug)]
pub struct Led<P> {
    pub name: String,
    pin: P,
    on: Option<bool>,
    /// On is the low level (most relay boards): off, the inactive level, is high.
    active_low: bool,
}

/// Output pins driven together, from the levels an [`Actuator`](crate::actions::Actuator) computes.
#[derive(Debug)]
pub struct LedBank<P: OutputPin> {
    leds: Vec<Led<P>>,
}

impl<P: OutputPin> LedBank<P> {
    /// One output per BCM pin in `pins`, built by `make_pin(bcm_number)`, all driven off.
    pub fn new(pins: &[u8], mut make_pin: impl FnMut(u8) -> Result<P>) -> Result<Self> {
        Self::with_active_low(pins, &[], |bcm, _| make_pin(bcm))
    }

    /// As [`new`](Self::new), where the pins in `active_low` are on at the low level (relay
    /// boards): `make_pin(bcm, inactive_high)` claims a pin already at its off level, and "off"
    /// drives the inactive level everywhere (at start, at stop, on drop).
    pub fn with_active_low(pins: &[u8], active_low: &[u8], mut make_pin: impl FnMut(u8, bool) -> Result<P>) -> Result<Self> {
        let mut leds = Vec::new();
        for &bcm in pins {
            let low = active_low.contains(&bcm);
            leds.push(Led { name: format!("GPIO{bcm}"), pin: make_pin(bcm, low)?, on: None, active_low: low });
        }
        let mut bank = Self { leds };
        bank.all_off()?;
        Ok(bank)
    }

    /// Drives each output to its level (in pin order). Outputs already at that level are not
    /// touched.
    pub fn drive(&mut self, levels: &[bool]) -> Result<()> {
        for (led, on) in self.leds.iter_mut().zip(levels.iter().copied().chain(std::iter::repeat(false))) {
            drive(led, on)?;
        }
        Ok(())
    }

    /// Drives every pin off.
    pub fn all_off(&mut self) -> Result<()> {
        self.drive(&[])
    }

    /// `(name, on)` for every LED, in pin order.
    pub fn states(&self) -> Vec<(&str, bool)> {
        self.leds.iter().map(|l| (l.name.as_str(), l.on.unwrap_or(false))).collect()
    }

    /// The states as text, e.g. `GPIO17=on GPIO27=off`; an active-low output also says its
    /// level: `GPIO23=off(high)`.
    pub fn describe(&self) -> String {
        let one = |l: &Led<P>| {
            let on = l.on.unwrap_or(false);
            let level = if l.active_low { if on { "(low)" } else { "(high)" } } else { "" };
            format!("{}={}{level}", l.name, if on { "on" } else { "off" })
        };
        self.leds.iter().map(one).collect::<Vec<_>>().join(" ")
    }
}

impl<P: OutputPin> Drop for LedBank<P> {
    /// Outputs never stay on behind a dropped bank: on a normal end, an error or a panic, the
    /// pins are driven off (errors ignored; there is nobody left to tell).
    fn drop(&mut self) {
        for led in &mut self.leds {
            let _ = drive(led, false);
        }
    }
}

fn drive<P: OutputPin>(led: &mut Led<P>, on: bool) -> Result<()> {
    if led.on == Some(on) {
        return Ok(());
    }
    let res = if on != led.active_low { led.pin.set_high() } else { led.pin.set_low() };
    res.map_err(|e| Error::Config { setting: led.name.clone(), problem: format!("cannot drive the pin: {e:?}") })?;
    led.on = Some(on);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_switches_only_the_pins_that_change() {
        let log = TransitionLog::default();
        let mut bank = LedBank::new(&[17, 27], |bcm| Ok(SimPin::new(format!("GPIO{bcm}"), log.clone()))).unwrap();
        bank.drive(&[true, true]).unwrap();
        assert_eq!(bank.describe(), "GPIO17=on GPIO27=on");
        bank.drive(&[false, true]).unwrap();
        assert_eq!(bank.describe(), "GPIO17=off GPIO27=on");
        bank.drive(&[false, true]).unwrap(); // no change, no transition
        bank.all_off().unwrap();
        let seen: Vec<(String, bool)> = log.transitions().into_iter().map(|t| (t.pin, t.high)).collect();
        let expect = [
            ("GPIO17", false),
            ("GPIO27", false), // initial all-off
            ("GPIO17", true),
            ("GPIO27", true),
            ("GPIO17", false),
            ("GPIO27", false),
        ];
        assert_eq!(seen, expect.map(|(p, h)| (p.to_string(), h)).to_vec());
    }

    /// A relay board's input is on at the low level: off is high from the first level driven,
    /// through every switch, to the bank's end, also when a panic unwinds past it.
    #[test]
    fn active_low_outputs_are_high_when_off_from_start_to_panic() {
        let log = TransitionLog::default();
        let mut inactive = Vec::new();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut bank = LedBank::with_active_low(&[17, 23], &[23], |bcm, high| {
                inactive.push((bcm, high));
                Ok(SimPin::new(format!("GPIO{bcm}"), log.clone()))
            })
            .unwrap();
            assert_eq!(bank.describe(), "GPIO17=off GPIO23=off(high)");
            bank.drive(&[true, true]).unwrap();
            assert_eq!(bank.describe(), "GPIO17=on GPIO23=on(low)");
            panic!("a bug in the frame loop");
        }));
        assert!(result.is_err());
        assert_eq!(inactive, [(17, false), (23, true)], "each pin claimed at its off level");
        let seen: Vec<(String, bool)> = log.transitions().into_iter().map(|t| (t.pin, t.high)).collect();
        let expect = [("GPIO17", false), ("GPIO23", true), ("GPIO17", true), ("GPIO23", false), ("GPIO17", false), ("GPIO23", true)];
        assert_eq!(seen, expect.map(|(p, h)| (p.to_string(), h)).to_vec());
    }
}
