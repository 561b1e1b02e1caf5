pub mod audit;
pub mod checks;
pub mod cluster;
pub mod config;
mod output;
