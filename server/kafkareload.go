package server

import (
	"context"
	"errors"
	"strconv"

	"github.com/vigilsec/vigil/engine"
)

// A rule reload reaches the Kafka engines as it reaches the _bulk one
// (engine.Engine.Reload: unchanged rules keep their state). The consumer's
// goroutine compiles the rules against its schema while the shared rules'
// goroutine, which decodes with the same schema, is parked; then every
// partition's engine switches to the new host-local rules and the shared
// engine to the new shared ones.

// kafkaReload is a reload request to the consumer's goroutine.
type kafkaReload struct {
	job  *reloadJob
	done chan error
}

// reload switches the consumer to rules; it returns when every engine
// runs them, or the error that kept the old ones.
func (k *kafkaConsumer) reload(ctx context.Context, j *reloadJob) error {
	req := kafkaReload{job: j, done: make(chan error, 1)}
	select {
	case k.reloadReq <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// applyReload runs on the consumer's goroutine.
func (k *kafkaConsumer) applyReload(ctx context.Context, j *reloadJob) error {
	var resume chan *engine.RuleSet
	if k.sharedR != nil {
		resume = make(chan *engine.RuleSet)
		select {
		case k.sharedR.pauseReq <- resume:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	opt := j.opt
	opt.Schema = k.rs.Schema()
	rs, statuses := engine.Compile(j.rules, opt)
	var err error
	for _, st := range statuses {
		if st.State == engine.Failed {
			err = &ReloadError{Failed: append([]engine.Status(nil), st)}
			break
		}
	}
	if err == nil && rs.Len() == 0 {
		err = errors.New("no rule to run; the running rules are kept")
	}
	if err != nil {
		if resume != nil {
			resume <- nil
		}
		return err
	}
	local, shared := rs.Split()
	k.out.send()
	sigmaChanged := local.HasSigma() != k.local.HasSigma()
	if sigmaChanged {
		k.opener = kafkaOpener(&k.cfg.Kafka, local)
	}
	for _, p := range k.own.parts {
		p.eng.Reload(local)
		if sigmaChanged {
			p.dec = k.opener.NewRecordDecoder(p.topic + "/" + strconv.Itoa(int(p.id)))
		}
	}
	k.rs, k.local = rs, local
	k.own.horizon = stateHorizon(local, k.cfg)
	k.out.fields = rs.Fields()
	if resume != nil {
		k.shared = shared
		if shared.Len() == 0 {
			k.shared = nil
		}
		resume <- shared
	} else if shared.Len() > 0 {
		k.log.Warn("the reloaded rules include rules across hosts; they run after a restart (no shared topic was joined)", "rules", shared.Len())
	}
	return nil
}

// parked waits, on the shared rules' goroutine, for the consumer to
// compile, then switches the shared engines to the rules it sends (nil:
// no change).
func (r *sharedRunner) parked(resume chan *engine.RuleSet) {
	rs := <-resume
	if rs == nil {
		return
	}
	r.out.send()
	for _, sp := range r.own.parts {
		sp.eng.Reload(rs)
	}
	if rs.HasSigma() != r.rs.HasSigma() {
		r.dec = kafkaOpener(&r.cfg.Kafka, rs).NewRecordDecoder(r.cfg.Kafka.SharedTopic)
	}
	r.rs = rs
	r.own.horizon = stateHorizon(rs, r.cfg)
	r.out.fields = rs.Fields()
}
