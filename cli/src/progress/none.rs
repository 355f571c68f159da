//! No progress display (wasm: indicatif does not build for WASI).

/// Same interface as the native bar; draws nothing.
pub struct Bar;

impl Bar {
    pub fn verify(_enabled: bool) -> Self {
        Bar
    }

    pub fn spinner(_enabled: bool, _message: &'static str) -> Self {
        Bar
    }

    pub fn verify_callback(&self) -> Option<impl Fn(&capcache::Progress) + Send + Sync + 'static> {
        None::<fn(&capcache::Progress)>
    }

    pub fn finish(&self) {}
}
