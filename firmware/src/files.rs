//! Reading a file beckon did not write (a password, a token, features, frames): only a regular
//! file, and only up to a size. `/dev/zero` would otherwise be read until memory runs out, and
//! opening a FIFO blocks forever; the type and size are checked with `stat`, which never
//! blocks, before the file is opened, and the read is capped too in case the file grows.

use std::io::Read;
use std::path::Path;

/// The bytes of `path`, or why not (not there, not a regular file, larger than `max`).
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    check_regular(path)?;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > max {
        return Err(format!("it is {} bytes; at most {max} are read here", meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_end(&mut bytes)).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("it grew beyond {max} bytes while being read"));
    }
    Ok(bytes)
}

/// `Ok` if `path` is a regular file (checked without opening it).
pub fn check_regular(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_file() {
        Ok(())
    } else if meta.is_dir() {
        Err("it is a folder, not a file".into())
    } else {
        Err("it is not a regular file (a device, FIFO or socket)".into())
    }
}

/// The first line of the small text file `path` (a password, a token), trimmed of its line end.
pub fn first_line(path: &Path) -> Result<String, String> {
    let bytes = read_regular(path, 4096)?;
    let text = String::from_utf8(bytes).map_err(|_| "it is not text (UTF-8)".to_string())?;
    Ok(text.lines().next().unwrap_or_default().to_string())
}

/// Writes `bytes` beside `path` (`.NAME.PID.tmp`) and renames it into place: readers see the
/// old file or the new one, never half of one.
pub fn write_aside(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// This machine's host name (`/proc/sys/kernel/hostname`), if it has one.
pub fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty())
}

/// Swaps two existing paths in one step (Linux `renameat2(RENAME_EXCHANGE)`): whoever looks
/// sees either both as they were or both swapped. An error where the file system (or the
/// system) cannot.
pub fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput));
        let (a, b) = (c(a)?, c(b)?);
        // SAFETY: two NUL-terminated paths that live across the call; no other memory is touched.
        let r = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
        if r == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }
}

/// Eight hex digits that tell this machine from others, derived from systemd's machine id
/// (`/etc/machine-id`, kept across reboots) without giving it away (hashed with beckon's name, as
/// systemd asks of applications); `None` without one.
pub fn machine_id() -> Option<String> {
    use std::hash::{Hash, Hasher};
    let id = ["/etc/machine-id", "/var/lib/dbus/machine-id"].iter().find_map(|p| first_line(Path::new(p)).ok()).filter(|id| id.len() >= 16)?;
    let mut h = std::hash::DefaultHasher::new();
    ("beckon", id.trim()).hash(&mut h);
    Some(format!("{:08x}", h.finish() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_folders_and_big_files_are_refused_without_blocking() {
        assert!(read_regular(Path::new("/dev/zero"), 4096).unwrap_err().contains("not a regular file"));
        assert!(read_regular(Path::new("/"), 4096).unwrap_err().contains("folder"));
        let dir = std::env::temp_dir().join(format!("beckon-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let _ = std::fs::remove_file(&fifo);
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(first_line(&fifo).unwrap_err().contains("not a regular file"));
        std::fs::write(dir.join("big"), vec![b'x'; 5000]).unwrap();
        assert!(first_line(&dir.join("big")).unwrap_err().contains("at most 4096"));
        std::fs::write(dir.join("pw"), "s3cret\nsecond line\n").unwrap();
        assert_eq!(first_line(&dir.join("pw")).unwrap(), "s3cret");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
