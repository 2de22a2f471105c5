pub mod case;
pub use case::*;
