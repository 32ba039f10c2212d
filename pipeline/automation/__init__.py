"""The automation program: preview, up, promote, review, drift and destroy over the Pulumi
Automation API, with the policy pack always attached and a report for every run."""
