//! File-system helpers with the store's permissions: directories 0750, files 0640, and the
//! directory fsyncs that make creates and renames durable.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use super::StoreError;

pub const DIR_MODE: u32 = 0o750;
pub const FILE_MODE: u32 = 0o640;

pub fn create_dir_all(path: &Path) -> Result<(), StoreError> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
        .map_err(StoreError::io("create directory", path))
}

/// Opens (creating if needed, 0640) a file for appending; it is also readable.
pub fn open_append(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(StoreError::io("open", path))
}

/// Opens for reading and writing at any offset, creating it (0640) if needed.
pub fn open_rw(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)
        .map_err(StoreError::io("open", path))
}

/// Creates a file that must not exist yet (0640).
pub fn create_new(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(StoreError::io("create", path))
}

/// Makes creates, renames and deletes inside `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(StoreError::io("sync directory", dir))
}

pub fn sync(file: &File, path: &Path) -> Result<(), StoreError> {
    file.sync_data().map_err(StoreError::io("fsync", path))
}
