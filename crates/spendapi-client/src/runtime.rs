//! State shared by every generated client (auth, retries), attached through `ClientHooks`.
#[derive(Debug, Clone, Default)]
pub struct Runtime {}
