// Marks the page as scripted (GOV.UK Frontend's convention) and starts its components.
// Kept out of the HTML so pages carry no inline script and no per-response nonce.
document.body.className += " js-enabled govuk-frontend-supported";
