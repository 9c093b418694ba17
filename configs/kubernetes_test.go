// Package configs_test checks the deployment files in this folder against
// the code they deploy: the Kubernetes manifests as kustomize renders them.
package configs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/httpapi"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// measuredRSS is the resident memory measured with 100,000 customers
// (README, Performance): the memory request must cover it.
const measuredRSS = 77 << 20

// runtimeEnv are variables the Deployment sets for the Go runtime, not for
// the config.
var runtimeEnv = []string{"GOMEMLIMIT"}

type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas       *int `yaml:"replicas"`
		MaxUnavailable any  `yaml:"maxUnavailable"`
		// A Service's selector is a map of labels; a Deployment's and a
		// budget's has them under matchLabels.
		Selector map[string]any `yaml:"selector"`
		Ports    []struct {
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Metadata struct {
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string `yaml:"name"`
		Projected *struct {
			Sources []struct {
				ConfigMap *struct {
					Name string `yaml:"name"`
				} `yaml:"configMap"`
			} `yaml:"sources"`
		} `yaml:"projected"`
	} `yaml:"volumes"`
}

type container struct {
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string  `yaml:"name"`
		Value     *string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name     string `yaml:"name"`
				Key      string `yaml:"key"`
				Optional bool   `yaml:"optional"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	ReadinessProbe  probe `yaml:"readinessProbe"`
	LivenessProbe   probe `yaml:"livenessProbe"`
	StartupProbe    probe `yaml:"startupProbe"`
	SecurityContext struct {
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		SubPath   string `yaml:"subPath"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// render runs `kubectl kustomize dir` (or `kustomize build dir`, the same
// renderer on its own) and decodes what it prints.
func render(t *testing.T, dir string) []object {
	t.Helper()
	var cmd *exec.Cmd
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		cmd = exec.Command(kubectl, "kustomize", dir)
	} else if kustomize, err := exec.LookPath("kustomize"); err == nil {
		cmd = exec.Command(kustomize, "build", dir)
	} else {
		t.Skip("neither kubectl nor kustomize is installed, so the manifests cannot be rendered here; " +
			"go install sigs.k8s.io/kustomize/kustomize/v5@v5.7.1 (.ci/run does when kubectl is absent)")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
	}
	var objs []object
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			return objs
		} else if err != nil {
			t.Fatalf("decode the rendered %s: %v", dir, err)
		}
		objs = append(objs, o)
	}
}

func find(objs []object, kind string) []object {
	var out []object
	for _, o := range objs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// TestKubernetesManifests renders the base and the example overlay and
// checks them against the code: the config in the ConfigMap parses with the
// environment the Deployment gives it (and reads every variable it sets),
// on PostgreSQL from a Secret; the ports agree with the config's listen
// address; the probe and scrape paths are ones the router serves; the pods
// run as a non-root user on a read-only root filesystem, at least two of
// them, with a disruption budget, memory fitted to the measured use and a
// grace period longer than the drain and shutdown timeout.
func TestKubernetesManifests(t *testing.T) {
	tests := []struct {
		dir          string
		wantReplicas int
		namespace    string
	}{
		{"kubernetes", 2, ""},
		{"kubernetes/overlays/example", 3, "frontdesk"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			objs := render(t, tt.dir)
			for _, o := range objs {
				if o.Metadata.Namespace != tt.namespace {
					t.Errorf("%s %s in namespace %q, want %q", o.Kind, o.Metadata.Name, o.Metadata.Namespace, tt.namespace)
				}
			}
			deps := find(objs, "Deployment")
			if len(deps) != 1 {
				t.Fatalf("%d Deployments rendered, want 1", len(deps))
			}
			dep := deps[0]
			if r := dep.Spec.Replicas; r == nil || *r != tt.wantReplicas {
				t.Errorf("replicas %v, want %d", r, tt.wantReplicas)
			}
			checkDeployment(t, objs, dep)
		})
	}
}

func checkDeployment(t *testing.T, objs []object, dep object) {
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]

	// Security.
	if sc := pod.SecurityContext; sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod securityContext: runAsNonRoot %v, runAsUser %v; want true and a non-zero uid", sc.RunAsNonRoot, sc.RunAsUser)
	}
	if sc := c.SecurityContext; !sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container securityContext: readOnlyRootFilesystem %v, allowPrivilegeEscalation %v", sc.ReadOnlyRootFilesystem, sc.AllowPrivilegeEscalation)
	}

	// The config and rules, as the pod sees them: every ConfigMap of the
	// projected volume written into one folder.
	configPath := ""
	for i, a := range c.Args {
		if a == "--config" && i+1 < len(c.Args) {
			configPath = c.Args[i+1]
		}
	}
	if configPath == "" {
		t.Fatalf("the container's args %v name no --config", c.Args)
	}
	dir := t.TempDir()
	mounted := false
	for _, m := range c.VolumeMounts {
		if m.MountPath != filepath.Dir(configPath) {
			continue
		}
		mounted = true
		if m.SubPath != "" {
			t.Errorf("the config is mounted with subPath %q: a subPath mount never sees a ConfigMap update, so the rules would not reload", m.SubPath)
		}
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.Projected == nil {
				continue
			}
			for _, s := range v.Projected.Sources {
				cm := configMap(t, objs, s.ConfigMap.Name)
				for name, content := range cm.Data {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	if !mounted {
		t.Fatalf("nothing is mounted at %s, where --config %s is", filepath.Dir(configPath), configPath)
	}

	// The environment: values as given, secrets as plausible stand-ins.
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.Value != nil:
			env[e.Name] = *e.Value
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = secretStandIn(e.Name)
		default:
			t.Errorf("env %s has neither a value nor a secretKeyRef", e.Name)
		}
	}
	for _, e := range c.Env {
		if e.Name == "FRONTDESK_DATABASE" && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Optional) {
			t.Error("FRONTDESK_DATABASE must come from a Secret, not optional: the DSN holds a password")
		}
	}
	read := map[string]bool{}
	lookup := func(name string) (string, bool) {
		read[name] = true
		v, ok := env[name]
		return v, ok
	}
	local := filepath.Join(dir, filepath.Base(configPath))
	data, err := os.ReadFile(local)
	if err != nil {
		t.Fatalf("the ConfigMaps hold no %s: %v", filepath.Base(configPath), err)
	}
	cfg, err := config.Parse(local, data, lookup)
	if err != nil {
		t.Fatalf("the config in the ConfigMap does not parse with the Deployment's environment: %v", err)
	}
	for name := range env {
		if !read[name] && !slices.Contains(runtimeEnv, name) {
			t.Errorf("env %s is set but the config reads no ${%s}", name, name)
		}
	}
	if !strings.HasPrefix(cfg.Database, "postgres://") {
		t.Errorf("database %q: replicas need PostgreSQL", cfg.Database)
	}
	if !cfg.RulesWatch {
		t.Error("rules_watch is off: a ConfigMap update would not reload the rules")
	}
	if _, err := rules.Load(cfg.Rules); err != nil {
		t.Errorf("the rules the config names, from the ConfigMaps: %v", err)
	}
	if grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second; grace <= time.Duration(cfg.ShutdownDrain+cfg.ShutdownTimeout) {
		t.Errorf("terminationGracePeriodSeconds %v is not longer than shutdown_drain %v + shutdown_timeout %v: the kubelet would kill a clean stop",
			grace, time.Duration(cfg.ShutdownDrain), time.Duration(cfg.ShutdownTimeout))
	}
	if cfg.ShutdownDrain <= 0 {
		t.Error("shutdown_drain is 0: webhooks routed to a stopping pod before the Service drops it would meet a closed port")
	}

	// Ports: the config's listen port is the container's, the Service's
	// target, the probes' and the scrape annotation's.
	_, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		t.Fatalf("listen %q: %v", cfg.Listen, err)
	}
	named := map[string]string{}
	for _, p := range c.Ports {
		named[p.Name] = strconv.Itoa(p.ContainerPort)
	}
	portOf := func(p string) string {
		if n, ok := named[p]; ok {
			return n
		}
		return p
	}
	if len(c.Ports) != 1 || portOf(c.Ports[0].Name) != port {
		t.Errorf("container ports %v, want one on the config's listen port %s", c.Ports, port)
	}
	annotations := dep.Spec.Template.Metadata.Annotations
	if annotations["prometheus.io/scrape"] != "true" || annotations["prometheus.io/port"] != port {
		t.Errorf("scrape annotations %v, want scrape on port %s", annotations, port)
	}

	// Paths: each one the router serves, with the status a healthy
	// service answers.
	router, err := httpapi.New(httpapi.Options{
		DB:      okDB{},
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "up 1") }),
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	paths := []struct {
		what, path, port, want string
	}{
		{"readinessProbe", pathOf(c.ReadinessProbe), portOfProbe(c.ReadinessProbe), "/readyz"},
		{"livenessProbe", pathOf(c.LivenessProbe), portOfProbe(c.LivenessProbe), "/healthz"},
		{"startupProbe", pathOf(c.StartupProbe), portOfProbe(c.StartupProbe), ""},
		{"prometheus.io/path", annotations["prometheus.io/path"], port, "/metrics"},
	}
	for _, p := range paths {
		if p.want != "" && p.path != p.want {
			t.Errorf("%s on %q, want %q", p.what, p.path, p.want)
		}
		if portOf(p.port) != port {
			t.Errorf("%s on port %q, want the listen port %s", p.what, p.port, port)
		}
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s: GET %s answers %d, want 200", p.what, p.path, rec.Code)
		}
	}

	// Memory fitted to the measured use.
	req, lim := quantity(t, c.Resources.Requests["memory"]), quantity(t, c.Resources.Limits["memory"])
	if req < measuredRSS || lim < req || lim > 8*measuredRSS {
		t.Errorf("memory request %d, limit %d: want a request of at least the measured %d and a limit above it, not far beyond", req, lim, measuredRSS)
	}
	if c.Resources.Requests["cpu"] == "" {
		t.Error("no CPU request: the scheduler would pack the pods anywhere")
	}

	// The Service and the PodDisruptionBudget select these pods.
	podLabels := dep.Spec.Template.Metadata.Labels
	svcs, pdbs := find(objs, "Service"), find(objs, "PodDisruptionBudget")
	if len(svcs) != 1 || len(pdbs) != 1 {
		t.Fatalf("%d Services and %d PodDisruptionBudgets, want one each", len(svcs), len(pdbs))
	}
	for _, o := range []object{svcs[0], pdbs[0]} {
		sel := selectorOf(o)
		if len(sel) == 0 {
			t.Errorf("%s selects nothing", o.Kind)
		}
		for k, v := range sel {
			if podLabels[k] != v {
				t.Errorf("%s selects %s=%s, which the pods do not carry (%v)", o.Kind, k, v, podLabels)
			}
		}
	}
	for _, p := range svcs[0].Spec.Ports {
		if portOf(p.TargetPort) != port {
			t.Errorf("the Service targets port %q, want the listen port %s", p.TargetPort, port)
		}
	}
	if pdbs[0].Spec.MaxUnavailable == nil {
		t.Error("the PodDisruptionBudget sets no maxUnavailable")
	}
}

// selectorOf reads the labels an object selects pods by.
func selectorOf(o object) map[string]string {
	m := o.Spec.Selector
	if o.Kind != "Service" {
		m, _ = m["matchLabels"].(map[string]any)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func configMap(t *testing.T, objs []object, name string) object {
	t.Helper()
	for _, o := range find(objs, "ConfigMap") {
		if o.Metadata.Name == name {
			return o
		}
	}
	t.Fatalf("the volume names ConfigMap %q, which is not rendered", name)
	return object{}
}

func pathOf(p probe) string {
	if p.HTTPGet == nil {
		return ""
	}
	return p.HTTPGet.Path
}

func portOfProbe(p probe) string {
	if p.HTTPGet == nil {
		return ""
	}
	return p.HTTPGet.Port
}

// secretStandIn is a value of the right shape for a variable that comes
// from the Secret, so the config's own checks run on it.
func secretStandIn(name string) string {
	switch name {
	case "FRONTDESK_DATABASE":
		return "postgres://frontdesk:secret@postgres:5432/frontdesk"
	case "FRONTDESK_ADMIN_TOKEN":
		return strings.Repeat("a1", 16)
	case "TELEGRAM_TOKEN":
		return "123456:TEST"
	case "TELEGRAM_WEBHOOK_URL":
		return "https://bot.example.com/webhooks/telegram/shop"
	}
	return "stand-in_" + strings.ToLower(name)
}

// quantity reads a Kubernetes memory quantity in the forms the manifests
// use (Mi, Gi, M, G or plain bytes).
func quantity(t *testing.T, q string) int64 {
	t.Helper()
	units := []struct {
		suffix string
		factor int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Fatalf("quantity %q: %v", q, err)
			}
			return v * u.factor
		}
	}
	v, err := strconv.ParseInt(q, 10, 64)
	if err != nil {
		t.Fatalf("quantity %q: %v", q, err)
	}
	return v
}

type okDB struct{}

func (okDB) Ping(context.Context) error { return nil }

// TestKubernetesRulesAreTheShippedRules: the base ships the same rules as
// configs/rules.yaml (kustomize cannot read files outside its folder, so
// it keeps a copy), so `kubectl apply -k` runs the bot the README shows.
func TestKubernetesRulesAreTheShippedRules(t *testing.T) {
	shipped, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile(filepath.Join("kubernetes", "base", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shipped, copied) {
		t.Error("configs/kubernetes/base/rules.yaml differs from configs/rules.yaml: cp configs/rules.yaml configs/kubernetes/base/")
	}
}
