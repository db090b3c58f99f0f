//! Uploaded documents: the blob store (`store`), accepting an upload
//! (`intake`), the worker pool that reads their pages (`workers`), running
//! the checks and storing findings (`recheck`), the operator's review
//! (`review`) and the cut-outs shown beside a finding (`crop`).

pub mod crop;
pub mod intake;
pub mod recheck;
pub mod review;
pub mod store;
pub mod workers;
