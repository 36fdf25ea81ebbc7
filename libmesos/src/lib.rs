//! `libmesos.so`, the native Mesos library.
//!
//! Spark's Mesos scheduler backend loads this library through `MESOS_NATIVE_JAVA_LIBRARY` and
//! drives it through the JNI classes of `org.apache.mesos` (`MesosSchedulerDriver`,
//! `MesosExecutorDriver`). This crate will implement those native methods on top of the v1
//! HTTP scheduler and executor APIs of `mesos-api`; for now it is empty.
