package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	gen "lifecircle/ent"
	"lifecircle/ent/webhookdelivery"
	"lifecircle/ent/webhookendpoint"
	"lifecircle/internal/auth/rule"
)

// deliverWorker works DeliverArgs jobs.
type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.s.deliver(ctx, job.ID, job.Args.DeliveryID)
}

// NextRetry is the time deliver set for the job's next attempt:
// exponential backoff from Options.RetryBase.
func (w *deliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	if t, ok := w.s.nexts.LoadAndDelete(job.ID); ok {
		return t.(time.Time)
	}
	return time.Now().Add(w.s.opts.RetryBase)
}

// Timeout bounds a job: one HTTP attempt and its bookkeeping.
func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return w.s.opts.Timeout + 10*time.Second
}

// backoff is the wait after the attempt-th failed attempt.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.opts.RetryBase
	for i := 1; i < attempt && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.opts.RetryMax)
}

// deliver makes one attempt at delivery id.
func (s *Service) deliver(ctx context.Context, jobID int64, id int) error {
	sys := rule.SystemContext(ctx)
	d, err := s.client.WebhookDelivery.Query().Where(webhookdelivery.ID(id)).WithEndpoint().Only(sys)
	if gen.IsNotFound(err) {
		return nil // its endpoint was deleted
	}
	if err != nil {
		return err
	}
	if d.State != webhookdelivery.StatePending {
		return nil
	}
	ep := d.Edges.Endpoint
	if !ep.Enabled {
		err := fmt.Errorf("endpoint disabled: %s", ep.DisabledReason)
		if uerr := s.client.WebhookDelivery.UpdateOneID(d.ID).SetState(webhookdelivery.StateCancelled).
			SetError(clip(err.Error(), 2000)).ClearNextAttemptAt().Exec(sys); uerr != nil {
			return uerr
		}
		return river.JobCancel(err)
	}
	// In order per record: an earlier message about the same record to the
	// same endpoint goes first.
	earlier, err := s.client.WebhookDelivery.Query().Where(
		webhookdelivery.EndpointID(ep.ID), webhookdelivery.Entity(d.Entity), webhookdelivery.EntityID(d.EntityID),
		webhookdelivery.StateEQ(webhookdelivery.StatePending), webhookdelivery.IDLT(d.ID),
	).Order(webhookdelivery.ByID()).First(sys)
	switch {
	case err == nil:
		wait := s.opts.Poll
		if earlier.NextAttemptAt != nil {
			wait = max(wait, time.Until(*earlier.NextAttemptAt))
		}
		return river.JobSnooze(min(wait, s.opts.RetryMax))
	case !gen.IsNotFound(err):
		return err
	}
	body, ok, err := s.payload(ctx, d, ep)
	if err != nil {
		return err
	}
	if !ok {
		return s.client.WebhookDelivery.UpdateOneID(d.ID).SetState(webhookdelivery.StateCancelled).
			SetError("the record is no longer readable by the endpoint's owner").ClearNextAttemptAt().Exec(sys)
	}
	attempt := d.Attempts + 1
	status, latency, respBody, sendErr := s.send(ctx, ep, d.MessageID, body)
	now := time.Now()
	up := s.client.WebhookDelivery.UpdateOneID(d.ID).SetAttempts(attempt).SetLastAttemptAt(now).
		SetLatencyMs(int(latency / time.Millisecond)).SetResponseBody(respBody)
	if status != 0 {
		up.SetResponseStatus(status)
	} else {
		up.ClearResponseStatus()
	}
	if sendErr == nil {
		s.m.attempts.WithLabelValues("success").Inc()
		if err := up.SetState(webhookdelivery.StateSucceeded).SetDeliveredAt(now).SetError("").ClearNextAttemptAt().Exec(sys); err != nil {
			return err
		}
		return s.client.WebhookEndpoint.Update().Where(webhookendpoint.ID(ep.ID), webhookendpoint.ConsecutiveFailuresGT(0)).
			SetConsecutiveFailures(0).ClearFailingSince().Exec(sys)
	}
	s.m.attempts.WithLabelValues("failure").Inc()
	up.SetError(clip(sendErr.Error(), 2000))
	disabled, err := s.failed(sys, ep.ID, now)
	if err != nil {
		return err
	}
	next := now.Add(s.backoff(attempt))
	switch {
	case disabled:
		err = up.SetState(webhookdelivery.StateCancelled).ClearNextAttemptAt().Exec(sys)
	case next.After(d.OccurredAt.Add(s.opts.RetryFor)):
		err = up.SetState(webhookdelivery.StateFailed).ClearNextAttemptAt().Exec(sys)
		disabled = true // no more attempts
	default:
		err = up.SetNextAttemptAt(next).Exec(sys)
	}
	if err != nil {
		return err
	}
	if disabled {
		return river.JobCancel(sendErr)
	}
	s.nexts.Store(jobID, next)
	return sendErr
}

// failed counts a failed attempt against the endpoint and disables it
// when it has failed DisableAfter times in a row over DisablePeriod.
func (s *Service) failed(ctx context.Context, epID int, now time.Time) (bool, error) {
	if err := s.client.WebhookEndpoint.UpdateOneID(epID).AddConsecutiveFailures(1).Exec(ctx); err != nil {
		return false, err
	}
	if err := s.client.WebhookEndpoint.Update().Where(webhookendpoint.ID(epID), webhookendpoint.FailingSinceIsNil()).
		SetFailingSince(now).Exec(ctx); err != nil {
		return false, err
	}
	ep, err := s.client.WebhookEndpoint.Get(ctx, epID)
	if err != nil {
		return false, err
	}
	if !ep.Enabled || ep.ConsecutiveFailures < s.opts.DisableAfter || ep.FailingSince == nil || now.Sub(*ep.FailingSince) < s.opts.DisablePeriod {
		return !ep.Enabled, nil
	}
	reason := fmt.Sprintf("disabled automatically at %s: the last %d delivery attempts all failed, the first at %s",
		now.UTC().Format(time.RFC3339), ep.ConsecutiveFailures, ep.FailingSince.UTC().Format(time.RFC3339))
	n, err := s.client.WebhookEndpoint.Update().Where(webhookendpoint.ID(epID), webhookendpoint.Enabled(true)).
		SetEnabled(false).SetDisabledAt(now).SetDisabledReason(reason).Save(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		s.m.disabled.Inc()
		slog.Warn("webhook endpoint disabled", "endpoint", ep.ID, "url", ep.URL, "failures", ep.ConsecutiveFailures, "failing_since", *ep.FailingSince)
	}
	return true, nil
}

// send posts body, signed, to the endpoint. A response other than 2xx is
// an error.
func (s *Service) send(ctx context.Context, ep *gen.WebhookEndpoint, msgID string, body []byte) (status int, latency time.Duration, respBody string, err error) {
	if err := CheckURL(ep.URL, s.opts.AllowPrivate); err != nil {
		return 0, 0, "", fmt.Errorf("endpoint URL refused: %w", err)
	}
	ts := time.Now()
	secrets := []string{ep.Secret}
	if ep.PreviousSecret != "" && ep.PreviousSecretUntil != nil && ts.Before(*ep.PreviousSecretUntil) {
		secrets = append(secrets, ep.PreviousSecret)
	}
	sig, err := Sign(secrets, msgID, ts, body)
	if err != nil {
		return 0, 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lifecircle-webhooks/1")
	req.Header.Set("webhook-id", msgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	res, err := s.http.Do(req)
	latency = time.Since(start)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return 0, latency, "", err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, responseBodyLimit))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	respBody = clip(string(raw), responseBodyLimit)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, latency, respBody, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return res.StatusCode, latency, respBody, nil
}

// clip cuts s to at most n bytes of valid UTF-8.
func clip(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
