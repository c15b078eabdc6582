package activities

// callbackURL is the callback URL the provider is given for the onboarding reference (the
// workflow ID): route + "/" + its token, the gateway's capability URL for this onboarding
// alone. Without Callbacks it is route itself.
func (a *Activities) callbackURL(route, provider, reference string) (string, error) {
	if a.Callbacks == nil || route == "" {
		return route, nil
	}
	u, err := a.Callbacks.URL(route, provider, reference)
	if err != nil {
		return "", invalidInput("%s", err.Error())
	}
	return u, nil
}
