package klarna

import (
	"reflect"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/klarna/sdk"
)

func TestEmailForOutcome(t *testing.T) {
	tests := []struct{ email, outcome, want string }{
		{"customer@email.se", OutcomeTestData, "customer@email.se"},
		{"customer+denied@email.se", OutcomeTestData, "customer+denied@email.se"},
		{"customer@email.se", OutcomeApprove, "customer@email.se"},
		{"customer+denied@email.se", OutcomeApprove, "customer@email.se"},
		{"jane+shop+pend-reject-30@example.com", OutcomeApprove, "jane+shop@example.com"},
		{"customer@email.se", OutcomeDeny, "customer+denied@email.se"},
		{"customer+DENIED@email.se", OutcomeDeny, "customer+denied@email.se"},
		{"customer@email.us", OutcomePending, "customer+pend-accept-05@email.us"},
		{"customer+denied@email.us", OutcomePending, "customer+pend-accept-05@email.us"},
		{" jane@example.com ", OutcomeDeny, "jane+denied@example.com"},
		{"not-an-email", OutcomeDeny, "not-an-email"},
		{"", OutcomeDeny, ""},
	}
	for _, tt := range tests {
		if got := emailForOutcome(tt.email, tt.outcome); got != tt.want {
			t.Errorf("emailForOutcome(%q, %q) = %q, want %q", tt.email, tt.outcome, got, tt.want)
		}
		// The rewritten e-mail must give the outcome to the playground rules.
		if tt.email == "" || tt.want == "not-an-email" {
			continue
		}
		v := judge(tt.want, "")
		switch tt.outcome {
		case OutcomeApprove:
			if v.Denied || v.Review != "" {
				t.Errorf("%q: approve gives %+v", tt.want, v)
			}
		case OutcomeDeny:
			if !v.Denied {
				t.Errorf("%q: deny is not denied", tt.want)
			}
		case OutcomePending:
			if v.Denied || v.Review != FraudAccepted || v.ReviewAfter != 5*time.Minute {
				t.Errorf("%q: pending gives %+v", tt.want, v)
			}
		}
	}
}

func TestPaymentSessionID(t *testing.T) {
	tests := []struct {
		url, want string
		ok        bool
	}{
		{"https://api.playground.klarna.com/payments/v1/sessions/0b1d9815-165e-42e2-8867-35bc03789e00", "0b1d9815-165e-42e2-8867-35bc03789e00", true},
		{"http://localhost:8910/payments/v1/sessions/abc", "abc", true},
		{"http://localhost:8910/prefix/payments/v1/sessions/abc/", "abc", true},
		{"https://api.klarna.com/checkout/v3/orders/abc", "", false},
		{"https://api.klarna.com/payments/v1/sessions/", "", false},
		{"https://api.klarna.com/payments/v1/sessions/a/b", "", false},
		{"/payments/v1/sessions/abc", "", false},
		{"ftp://x/payments/v1/sessions/abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := paymentSessionID(tt.url)
		if got != tt.want || ok != tt.ok {
			t.Errorf("paymentSessionID(%q) = %q, %v; want %q, %v", tt.url, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHPPCategories(t *testing.T) {
	offered := []PaymentMethodCategory{{Identifier: "pay_later"}, {Identifier: "pay_over_time"}}
	tests := []struct {
		name     string
		opts     HPPOptions
		want     []string
		badField string
	}{
		{"none: all", HPPOptions{}, nil, ""},
		{"one", HPPOptions{PaymentMethodCategory: "PAY_LATER"}, []string{"pay_later"}, ""},
		{"one not offered", HPPOptions{PaymentMethodCategory: "PAY_NOW"}, nil, "options.payment_method_category"},
		{"list", HPPOptions{PaymentMethodCategories: []string{"PAY_OVER_TIME", "PAY_LATER"}}, []string{"pay_over_time", "pay_later"}, ""},
		{"list with one not offered", HPPOptions{PaymentMethodCategories: []string{"PAY_LATER", "KLARNA"}}, nil, "options.payment_method_categories"},
		{"both", HPPOptions{PaymentMethodCategory: "PAY_LATER", PaymentMethodCategories: []string{"PAY_LATER"}}, nil, "options.payment_method_categories"},
	}
	for _, tt := range tests {
		got, bad := hppCategories(tt.opts, offered)
		if !reflect.DeepEqual(got, tt.want) || bad != tt.badField {
			t.Errorf("%s: got %v, %q; want %v, %q", tt.name, got, bad, tt.want, tt.badField)
		}
	}
}

func TestFillHPPURL(t *testing.T) {
	got := fillHPPURL("https://shop.example/ok?hpp={{session_id}}&token={{authorization_token}}&order={{order_id}}", "s-1", "a b&c", "")
	if want := "https://shop.example/ok?hpp=s-1&token=a+b%26c&order="; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestHPPLifetimeAndStatuses(t *testing.T) {
	end := time.Date(2030, 1, 3, 12, 0, 0, 0, time.UTC)
	if got := hppExpiry(end); !got.Equal(end.Add(-time.Hour)) {
		t.Fatalf("expiry %s", got)
	}
	final := map[string]bool{HPPCompleted: true, HPPCancelled: true, HPPDisabled: true}
	for _, s := range []string{HPPWaiting, HPPInProgress, HPPCompleted, HPPFailed, HPPBack, HPPCancelled, HPPDisabled, HPPError} {
		if hppFinal(s) != final[s] {
			t.Errorf("hppFinal(%s) = %v", s, hppFinal(s))
		}
	}
	u := HPPMerchantURLs{Success: "s", Cancel: "c", Back: "b", Failure: "f", Error: "e"}
	for status, want := range map[string]string{HPPCompleted: "s", HPPCancelled: "c", HPPBack: "b", HPPFailed: "f", HPPError: "e", HPPDisabled: ""} {
		if got := hppReturnURL(u, status); got != want {
			t.Errorf("hppReturnURL(%s) = %q, want %q", status, got, want)
		}
	}
}

func TestOutcomeChoices(t *testing.T) {
	values := func(os []sdk.Outcome) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.Value)
		}
		return out
	}
	tests := []struct {
		mode         string
		autoFinalize bool
		want         []string
	}{
		{"hosted", true, []string{"test_data", "approve", "deny", "pending", "error"}},
		{"authorize", true, []string{"test_data", "approve", "deny", "pending"}},
		{"authorize", false, []string{"test_data", "approve", "deny", "pending", "finalize"}},
		{"reauthorize", false, []string{"test_data", "approve", "deny", "pending", "finalize"}},
		{"finalize", false, []string{"test_data", "approve", "deny"}},
	}
	for _, tt := range tests {
		got := outcomeChoices(tt.mode, tt.autoFinalize)
		if !reflect.DeepEqual(values(got), tt.want) || !got[0].Checked {
			t.Errorf("%s/%v: %v", tt.mode, tt.autoFinalize, values(got))
		}
	}
}

func TestBillingFields(t *testing.T) {
	fields := billingFields(&Address{Email: "a@b.se"}, "SE", []string{"billing_address.city"})
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
		if f.Name == "email" && f.Value != "a@b.se" {
			t.Errorf("email not prefilled: %+v", f)
		}
		if (f.Name == "city") != f.Invalid {
			t.Errorf("invalid mark on %s: %v", f.Name, f.Invalid)
		}
	}
	if want := []string{"given_name", "family_name", "email", "phone", "street_address", "postal_code", "city"}; !reflect.DeepEqual(names, want) {
		t.Errorf("SE fields %v", names)
	}
	us := billingFields(nil, "us", nil)
	if last := us[len(us)-1]; last.Name != "region" || !last.Required {
		t.Errorf("US needs a region: %+v", last)
	}
}
