package quickr

import "encoding/json"

// Case statuses the engine reacts to. The seed has no single enum; these are the ones it names.
const (
	StatusFormNotStarted    = "FORM_NOT_STARTED"
	StatusFormInProgress    = "FORM_IN_PROGRESS"
	StatusProcessingDetails = "PROCESSING_DETAILS"
	StatusReadyForReview    = "READY_FOR_REVIEW"
	StatusReviewInProgress  = "REVIEW_IN_PROGRESS"
	StatusWaitingForDetails = "WAITING_FOR_DETAILS"
	StatusActive            = "ACTIVE"
	StatusDeclined          = "DECLINED"
	StatusSuspended         = "SUSPENDED"
	StatusArchived          = "ARCHIVED"
)

// Actions accepted by CaseCreate.Actions.
const (
	ActionRequestDeclaration             = "request_declaration"
	ActionPerformChecks                  = "perform_checks"
	ActionEnableDeclarationNotifications = "enable_declaration_notifications"
	ActionEnableSigningNotifications     = "enable_signing_notifications"
)

// TypeData is the seed's recurring {type, data:[...]} shape (prefills, declarations,
// current_information, discoveries). Data items stay raw JSON maps because their fields
// depend on the type.
type TypeData struct {
	Type string           `json:"type"`
	Data []map[string]any `json:"data"`
}

// Section names a form section.
type Section struct {
	Type string `json:"type"`
}

// CheckSpec requests a check on case creation.
type CheckSpec struct {
	Type    string        `json:"type"`
	Options *CheckOptions `json:"options,omitempty"`
}

// CheckOptions are a check's options (ODD schedule, redirect after signing/IDV).
type CheckOptions struct {
	Schedule      string   `json:"schedule,omitempty"`
	RedirectURL   string   `json:"redirect_url,omitempty"`
	NextSchedules []string `json:"next_schedules,omitempty"`
}

// IDRef is {id} (automations, templates, checklists).
type IDRef struct {
	ID        string `json:"id"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

// URLs are a case's urls (CaseUrls: "The URLs object containing the urls used for this
// case"). The seed strips the declaration URL's field name from its examples (urls: {}); the
// sequence diagram's "Return case with declaration_url" names it. Read it with
// Case.DeclarationLink, which also looks in the other places the seed allows.
type URLs struct {
	CallbackURL    string `json:"callback_url,omitempty"`
	DeclarationURL string `json:"declaration_url,omitempty"`
}

// CaseSection is a section of the case details. The company section carries additional_data:
// typed objects with registry data (seed 002, case details example: "swedish_company" with
// status, registration_date, incorporation_date, ...; the changelog adds
// "norwegian_sub_unit_company" and management). Items stay raw maps: their fields depend on
// the type.
type CaseSection struct {
	Type           string           `json:"type"`
	AdditionalData []map[string]any `json:"additional_data,omitempty"`
}

// CaseCreate is the body of POST /cases.
type CaseCreate struct {
	Actions     []string          `json:"actions,omitempty"`
	Reference   string            `json:"reference,omitempty"`
	Prefills    []TypeData        `json:"prefills,omitempty"`
	Sections    []Section         `json:"sections"`
	Checks      []CheckSpec       `json:"checks"`
	Automations []IDRef           `json:"automations,omitempty"`
	URLs        *URLs             `json:"urls,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// Flag levels.
const (
	FlagWarning = "WARNING"
	FlagError   = "ERROR"
)

// Flag is a finding on a check. The seed names the level "severity" on one flag and "type"
// on others; both are read. Ref points at the entity the flag is about (the sandbox always
// sets it; the seed only shows it on the check data item).
type Flag struct {
	Severity string           `json:"severity,omitempty"`
	Type     string           `json:"type,omitempty"`
	Code     string           `json:"code"`
	Ref      map[string]any   `json:"ref,omitempty"`
	Fields   []string         `json:"fields,omitempty"`
	Details  []map[string]any `json:"details,omitempty"`
}

// Level returns the flag's level whichever key carried it.
func (f Flag) Level() string {
	if f.Severity != "" {
		return f.Severity
	}
	return f.Type
}

// CheckData is one entity's result for a check.
type CheckData struct {
	Status    string         `json:"status"`
	Flags     []Flag         `json:"flags"`
	Ref       map[string]any `json:"ref,omitempty"`
	UpdatedAt string         `json:"updated_at,omitempty"`
}

// Check is a check's state on a case.
type Check struct {
	Type    string        `json:"type"`
	Options *CheckOptions `json:"options,omitempty"`
	Data    []CheckData   `json:"data"`
}

// Person is a signatory or form submitter.
type Person struct {
	Name      string `json:"name,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	Email     string `json:"email,omitempty"`
	Title     string `json:"title,omitempty"`
	Role      string `json:"role,omitempty"` // the declaration's spelling of title
}

// Contract statuses. The seed shows the lowercase values; expired and closed appear in prose.
const (
	ContractUnsigned = "unsigned"
	ContractSigned   = "signed"
	ContractExpired  = "expired"
	ContractClosed   = "closed"
	ContractRejected = "rejected" // sandbox: a signatory rejected (SIGNATORY_REJECTED)
)

// ContractItem is one signatory's signing entry. ID is the contract's id (the seed repeats
// one id across the entries of the same contract); SignatoryID is the sid of the sign link.
// ContractStatus, SignURL and the rejection fields are sandbox additions the client does not
// rely on.
type ContractItem struct {
	ID             string `json:"id"`
	SignatoryID    string `json:"signatory_id,omitempty"`
	Signatory      Person `json:"signatory"`
	Status         string `json:"status"`
	ContractStatus string `json:"contract_status,omitempty"`
	ExpiresAt      string `json:"expires_at,omitempty"`
	CreatedAt      string `json:"created_at,omitempty"`
	Method         string `json:"method,omitempty"`
	SignURL        string `json:"sign_url,omitempty"`
	RejectedBy     string `json:"rejected_by,omitempty"`
	RejectedReason string `json:"rejected_reason,omitempty"`
}

// ContractGroup is the case's {type: "unsigned"|"signed", data} contract entry.
type ContractGroup struct {
	Type string         `json:"type"`
	Data []ContractItem `json:"data"`
}

// Case is a case as returned by create, get and list. Raw keeps the whole JSON document, which
// is what automations evaluate.
type Case struct {
	ID                       string            `json:"id"`
	AccountID                string            `json:"account_id,omitempty"`
	Reference                string            `json:"reference,omitempty"`
	Status                   string            `json:"status"`
	RiskLevel                string            `json:"risk_level,omitempty"`
	AgentDeterminedStatus    string            `json:"agent_determined_status,omitempty"`
	AgentDeterminedRiskLevel string            `json:"agent_determined_risk_level,omitempty"`
	CreatedAt                string            `json:"created_at,omitempty"`
	StatusUpdatedAt          string            `json:"status_updated_at,omitempty"`
	DeclaredAt               string            `json:"declared_at,omitempty"`
	URLs                     URLs              `json:"urls"`
	Prefills                 []TypeData        `json:"prefills,omitempty"`
	Declarations             []TypeData        `json:"declarations,omitempty"`
	CurrentInformation       []TypeData        `json:"current_information,omitempty"`
	Checks                   []Check           `json:"checks,omitempty"`
	Contracts                []ContractGroup   `json:"contracts,omitempty"`
	FormSubmitter            *Person           `json:"form_submitter,omitempty"`
	Automations              []IDRef           `json:"automations,omitempty"`
	Metadata                 map[string]string `json:"metadata,omitempty"`
	StatusUpdatedReason      string            `json:"status_updated_reason,omitempty"`
	Sections                 []CaseSection     `json:"sections,omitempty"`
	Discoveries              []TypeData        `json:"discoveries,omitempty"`
	// RawDeclarationID is the declaration id as the sandbox reports it; the seed names no
	// field for it. Use DeclarationID(), which also reads it from the declaration URL.
	RawDeclarationID string `json:"declaration_id,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw document alongside the typed fields.
func (c *Case) UnmarshalJSON(b []byte) error {
	type plain Case
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	c.Raw = append(c.Raw[:0], b...)
	return nil
}

// Declared reports whether the merchant has submitted the declaration.
func (c *Case) Declared() bool { return c.DeclaredAt != "" }

// Pagination is the list cursor.
type Pagination struct {
	Cursor string `json:"cursor,omitempty"`
}

// CaseList is a page of cases.
type CaseList struct {
	Data       []Case     `json:"data"`
	Pagination Pagination `json:"pagination"`
}

// apiError is Quickr's only documented error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Token is the auth response.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}
