/// Why a Dockerfile could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerfileError {
    /// The builder would reject the file; `line` is 1-based.
    #[error("line {line}: {message}")]
    Syntax { line: u32, message: String },
    #[error("not valid UTF-8 text")]
    NotUtf8,
}
