//! Output lines through the Linux GPIO character device (`/dev/gpiochip*`) with gpiocdev
//! (feature `gpiocdev`). Lines are found by name (`GPIO17` on a Raspberry Pi), never by chip
//! number: Pi 5 kernels from 6.6.45 moved the header from gpiochip4 to gpiochip0, and other
//! Linux boards number their chips differently again.

use embedded_hal::digital::PinState;
use gpiocdev_embedded_hal::OutputPin;

use crate::error::{Error, Result};

/// Claims the line named `GPIO{bcm}` as an output, driven low. The line is released when the
/// pin is dropped.
pub fn output(bcm: u8) -> Result<OutputPin> {
    let name = format!("GPIO{bcm}");
    OutputPin::from_name(&name, PinState::Low).map_err(|e| Error::Config {
        setting: format!("gpiocdev line {name}"),
        problem: format!("cannot claim it ({e}); `gpioinfo` lists the lines and their names; the user must be in the `gpio` group"),
    })
}
