//! Recordings of raw V4L2 buffers, so a webcam's exact bytes can be played back on any machine
//! (tests, bug reports).
//!
//! File layout (`.v4l2rec`): the line `beckon-v4l2-recording 1\n`, the line
//! `FOURCC WIDTH HEIGHT BYTES_PER_LINE\n` (e.g. `YUYV 640 480 1280`), then each buffer as a
//! little-endian `u32` length followed by that many bytes, exactly as the driver filled them.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::BufferStream;
use super::pixels::{PixelFormat, StreamFormat};

const MAGIC: &str = "beckon-v4l2-recording 1";
/// The largest buffer a recording may hold (a 4K YUYV frame is 16.6 MB).
const MAX_BUFFER: u32 = 64 << 20;

/// Reads a recording, buffer by buffer.
pub struct RecordingReader {
    path: PathBuf,
    format: StreamFormat,
    input: BufReader<File>,
    buffers: u64,
}

impl RecordingReader {
    /// Opens `path` and reads its header; the error says what is wrong with the file.
    pub fn open(path: &Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("cannot open the recording: {e}"))?;
        let mut input = BufReader::new(file);
        let mut line = String::new();
        let mut read_line = |input: &mut BufReader<File>| {
            line.clear();
            input.by_ref().take(200).read_line(&mut line).map(|_| line.trim_end().to_string())
        };
        let magic = read_line(&mut input).map_err(|e| format!("cannot read the header: {e}"))?;
        if magic != MAGIC {
            return Err(format!("is not a beckon V4L2 recording (first line {magic:?}, expected {MAGIC:?})"));
        }
        let header = read_line(&mut input).map_err(|e| format!("cannot read the header: {e}"))?;
        let format = parse_format(&header)
            .ok_or_else(|| format!("header line 2 {header:?}: expected FOURCC WIDTH HEIGHT BYTES_PER_LINE, e.g. \"YUYV 640 480 1280\" (MJPG or YUYV)"))?;
        Ok(Self { path: path.to_path_buf(), format, input, buffers: 0 })
    }
}

fn parse_format(line: &str) -> Option<StreamFormat> {
    let mut parts = line.split(' ');
    let code: [u8; 4] = parts.next()?.as_bytes().try_into().ok()?;
    let pixels = PixelFormat::from_fourcc(code)?;
    let mut num = || parts.next()?.parse::<u32>().ok();
    let (width, height, bytes_per_line) = (num()?, num()?, num()?);
    (width > 0 && height > 0 && parts.next().is_none()).then_some(StreamFormat { pixels, width, height, bytes_per_line })
}

impl BufferStream for RecordingReader {
    fn format(&self) -> StreamFormat {
        self.format
    }

    fn describe(&self) -> String {
        format!("v4l2 recording {} ({})", self.path.display(), self.format)
    }

    fn next_buffer(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        let mut len = [0u8; 4];
        match self.input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        }
        let len = u32::from_le_bytes(len);
        let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        if len > MAX_BUFFER {
            return Err(bad(format!("buffer {} claims {len} bytes (limit {MAX_BUFFER}); the file is damaged", self.buffers)));
        }
        out.resize(len as usize, 0);
        self.input.read_exact(out).map_err(|e| bad(format!("buffer {} is cut short ({e}); the recording was not finished", self.buffers)))?;
        self.buffers += 1;
        Ok(true)
    }
}

/// Writes a recording; every buffer is flushed as a whole, so a recording cut off by a crash
/// still plays up to its last complete buffer.
pub struct RecordingWriter {
    output: BufWriter<File>,
}

impl RecordingWriter {
    /// Creates (or truncates) `path` and writes the header for `format`.
    pub fn create(path: &Path, format: &StreamFormat) -> std::io::Result<Self> {
        let mut output = BufWriter::new(File::create(path)?);
        let code = std::str::from_utf8(&format.pixels.fourcc()).unwrap_or("????").to_string();
        writeln!(output, "{MAGIC}\n{code} {} {} {}", format.width, format.height, format.bytes_per_line)?;
        Ok(Self { output })
    }

    /// Appends one buffer.
    pub fn write_buffer(&mut self, data: &[u8]) -> std::io::Result<()> {
        let len = u32::try_from(data.len()).map_err(|_| std::io::Error::other("buffer larger than 4 GiB"))?;
        self.output.write_all(&len.to_le_bytes())?;
        self.output.write_all(data)?;
        self.output.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder and a file name in it.
    fn temp(name: &str) -> (crate::scratch::Scratch, PathBuf) {
        let dir = crate::scratch::Scratch::new(&format!("rec-{name}"));
        let path = dir.join(name);
        (dir, path)
    }

    #[test]
    fn buffers_come_back_byte_for_byte() {
        let (_dir, path) = temp("roundtrip.v4l2rec");
        let format = StreamFormat { bytes_per_line: 12, ..StreamFormat::packed(PixelFormat::Yuyv, 4, 2) };
        let mut w = RecordingWriter::create(&path, &format).unwrap();
        let bufs: [&[u8]; 3] = [&[1; 24], &[], &[7, 8, 9]];
        for b in bufs {
            w.write_buffer(b).unwrap();
        }
        drop(w);
        let mut r = RecordingReader::open(&path).unwrap();
        assert_eq!(r.format(), format);
        let mut got = Vec::new();
        for b in bufs {
            assert!(r.next_buffer(&mut got).unwrap());
            assert_eq!(got, b);
        }
        assert!(!r.next_buffer(&mut got).unwrap());
    }

    #[test]
    fn damaged_files_are_refused_with_the_reason() {
        let (_dir, path) = temp("bad.v4l2rec");
        std::fs::write(&path, "hello\n").unwrap();
        assert!(RecordingReader::open(&path).err().unwrap().contains("not a beckon V4L2 recording"));
        std::fs::write(&path, format!("{MAGIC}\nNV12 640 480 640\n")).unwrap();
        assert!(RecordingReader::open(&path).err().unwrap().contains("header line 2 \"NV12 640 480 640\""));
        let mut truncated = format!("{MAGIC}\nMJPG 8 8 0\n").into_bytes();
        truncated.extend_from_slice(&100u32.to_le_bytes());
        truncated.extend_from_slice(&[0xFF; 10]);
        std::fs::write(&path, truncated).unwrap();
        let mut r = RecordingReader::open(&path).unwrap();
        let err = r.next_buffer(&mut Vec::new()).unwrap_err().to_string();
        assert!(err.contains("buffer 0 is cut short"), "{err}");
    }
}
