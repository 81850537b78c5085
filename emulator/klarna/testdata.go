package klarna

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Klarna's playground decides an authorization by the customer's e-mail (and
// a few phone numbers): customer@email.us is approved, customer+denied@... is
// declined, customer+pend-accept-05@... gets an order that waits for fraud
// review and is accepted five minutes later.

// Fraud statuses of an order.
const (
	FraudAccepted = "ACCEPTED"
	FraudPending  = "PENDING"
	FraudRejected = "REJECTED"
)

// verdict is what the test data decides for one authorization.
type verdict struct {
	Denied bool
	// Review is FraudAccepted or FraudRejected when the order waits for fraud
	// review that ends that way after ReviewAfter; "" when no review happens.
	Review      string        `json:",omitempty"`
	ReviewAfter time.Duration `json:",omitempty"`
}

var pendRE = regexp.MustCompile(`^pend-(accept|reject)-(\d{1,4})$`)

// deniedPhones are the playground's declined phone numbers.
var deniedPhones = map[string]bool{"+13106354386": true}

// judge reads the playground test data of an authorization.
func judge(email, phone string) verdict {
	var v verdict
	if deniedPhones[strings.ReplaceAll(phone, " ", "")] {
		v.Denied = true
	}
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	tags := strings.Split(local, "+")
	for _, tag := range tags[1:] {
		switch m := pendRE.FindStringSubmatch(tag); {
		case tag == "denied":
			v.Denied = true
		case m != nil:
			n, _ := strconv.Atoi(m[2])
			v.Review, v.ReviewAfter = FraudAccepted, time.Duration(n)*time.Minute
			if m[1] == "reject" {
				v.Review = FraudRejected
			}
		}
	}
	return v
}

// reviewMarket tells where Klarna holds orders for fraud review (pending
// orders exist only in the US and the UK).
func reviewMarket(country string) bool {
	c := strings.ToUpper(country)
	return c == "US" || c == "GB"
}
