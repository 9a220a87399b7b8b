/**
 * Phase 4: training (arrives with the training issue): cross-entropy loss, AdamW with decay groups,
 * learning-rate schedules, gradient clipping and accumulation, the trainer with evaluation, early stopping,
 * atomic checkpoints, exact resume and metrics.
 */
package dev.quill.train;
