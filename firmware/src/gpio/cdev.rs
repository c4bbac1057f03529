//! Output lines through the Linux GPIO character device (`/dev/gpiochip*`) with gpiocdev
//! (feature `gpiocdev`). Lines are found by name (`GPIO17` on a Raspberry Pi), never by chip
//! number: Pi 5 kernels from 6.6.45 moved the header from gpiochip4 to gpiochip0, and other
//! Linux boards number their chips differently again.

use embedded_hal::digital::PinState;
use gpiocdev_embedded_hal::OutputPin;

use crate::error::{Error, Result};

/// Claims the line named `GPIO{bcm}` as an output, driven to its inactive level (high for an
/// active-low output, else low) from the first instant. The line is released when the pin is
/// dropped.
pub fn output(bcm: u8, inactive_high: bool) -> Result<OutputPin> {
    let name = format!("GPIO{bcm}");
    OutputPin::from_name(&name, initial_state(inactive_high)).map_err(|e| Error::Config {
        setting: format!("gpiocdev line {name}"),
        problem: format!("cannot claim it ({e}); `gpioinfo` lists the lines and their names; the user must be in the `gpio` group"),
    })
}

/// The level a line is claimed at: its inactive one.
fn initial_state(inactive_high: bool) -> PinState {
    if inactive_high { PinState::High } else { PinState::Low }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_are_claimed_at_their_inactive_level() {
        assert_eq!(super::initial_state(true), super::PinState::High);
        assert_eq!(super::initial_state(false), super::PinState::Low);
    }
}
