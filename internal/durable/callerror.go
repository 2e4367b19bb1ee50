package durable

// CallError is a failed call to a Durable Object as the stub's caller sees
// it: the exception by name and message, with the properties Cloudflare
// sets on it — remote when it was thrown inside the object, retryable
// when the call may not have reached the object (the connection to it was
// lost), overloaded when the object could not take it, durableObjectReset
// when the object was reset (abort(), a limit, its storage failing here).
type CallError struct {
	Name       string `json:"name,omitempty"`
	Message    string `json:"message"`
	Remote     bool   `json:"remote,omitempty"`
	Retryable  bool   `json:"retryable,omitempty"`
	Overloaded bool   `json:"overloaded,omitempty"`
	Reset      bool   `json:"durableObjectReset,omitempty"`
}

func (e *CallError) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}
