//! `AudioWorker`: runs the blocking decoders from async code, bounded in number and time.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::{AudioFacts, ProbeError, ProbeLimits};

/// Time allowed past the decode budget before the caller stops waiting: the decode loop
/// checks its budget itself, so this only fires when a decoder is stuck inside one call.
const GRACE: Duration = Duration::from_secs(2);

/// Runs [`probe`](super::probe), [`render_wav`](super::render_wav) and
/// [`waveform`](super::waveform) on tokio's blocking pool. Cheap to clone; share one.
///
/// At most `max_concurrent` decodes run at once (the rest wait their turn), so uploads cannot
/// take every core from the API. A decode that overruns its budget by two seconds is reported
/// as `BudgetExceeded` at once; its thread keeps its slot until it really ends, so stuck
/// decoders cannot pile up beyond `max_concurrent`.
#[derive(Debug, Clone)]
pub struct AudioWorker {
    limits: ProbeLimits,
    permits: Arc<Semaphore>,
}

impl AudioWorker {
    pub fn new(limits: ProbeLimits, max_concurrent: usize) -> Self {
        AudioWorker {
            limits,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    pub fn limits(&self) -> &ProbeLimits {
        &self.limits
    }

    pub async fn probe(&self, bytes: Bytes) -> Result<AudioFacts, ProbeError> {
        self.run(move |limits| super::probe(bytes, &limits)).await
    }

    pub async fn render_wav(&self, bytes: Bytes) -> Result<Vec<u8>, ProbeError> {
        self.run(move |limits| super::render_wav(bytes, &limits))
            .await
    }

    pub async fn waveform(&self, bytes: Bytes, points: usize) -> Result<Vec<f32>, ProbeError> {
        self.run(move |limits| super::waveform(bytes, points, &limits))
            .await
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(ProbeLimits) -> Result<T, ProbeError> + Send + 'static,
    ) -> Result<T, ProbeError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ProbeError::Aborted)?;
        let limits = self.limits;
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job(limits)
        });
        match tokio::time::timeout(limits.decode_budget.saturating_add(GRACE), task).await {
            Ok(Ok(result)) => result,
            // The sync functions catch decoder panics themselves; this is a second net.
            Ok(Err(e)) if e.is_panic() => Err(ProbeError::Corrupt("decoder panicked".to_owned())),
            Ok(Err(_)) => Err(ProbeError::Aborted),
            Err(_elapsed) => Err(ProbeError::BudgetExceeded),
        }
    }
}

impl Default for AudioWorker {
    /// Default limits, one decode per available core.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        AudioWorker::new(ProbeLimits::default(), cores)
    }
}
