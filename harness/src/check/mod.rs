mod verdict;
pub use verdict::*;
