//! `mesos-master`: a Mesos master compatible with Apache Mesos 1.x's HTTP APIs.
//!
//! - [`master`]: frameworks, agents, offers, launches, status updates and timers;
//! - [`allocator`]: the hierarchical DRF allocator behind the [`allocator::Allocator`] trait;
//! - [`http`]: the scheduler API, the agent protocol, the operator API and the read endpoints;
//! - [`render`]: the JSON of `/master/state` and friends, with Mesos's keys.

pub mod allocator;
pub mod auth;
pub mod config;
pub mod flags;
pub mod http;
pub mod master;
pub mod metrics;
pub mod registry;
pub mod render;
pub mod state;
