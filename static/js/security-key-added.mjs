// Once django-otp-webauthn's script has added a key, go where the server said (the page that
// names the new key). Kept in a file: pages carry no inline script.
document.addEventListener("otp_webauthn.register_complete", (event) => {
  const next = event.detail?.response?.redirect_url;
  if (next && next.startsWith("/")) {
    window.location.assign(next);
  }
});
