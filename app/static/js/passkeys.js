// Passkeys for staff: adding one on the account page, signing in with one on the sign-in page.
// Both pages work without this file: the passkey parts stay hidden and the password works.
(function () {
  "use strict";
  var addForm = document.querySelector("[data-passkey-add]");
  var signIn = document.querySelector("[data-passkey-signin]");
  if (!addForm && !signIn) return;
  var message = document.querySelector("[data-passkey-message]");
  var noScript = document.querySelector("[data-passkey-nojs]");
  var supported = !!(window.PublicKeyCredential && navigator.credentials &&
    navigator.credentials.create && navigator.credentials.get && window.isSecureContext);

  function say(text, kind) {
    if (!message) return;
    message.textContent = text;
    message.className = text ? "notice " + (kind || "bad") : "";
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  // WebAuthn speaks ArrayBuffers; the server speaks base64url strings without padding.
  function toBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return window.btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function problem(body, fallback) {
    var detail = body && body.detail;
    if (Array.isArray(detail) && detail.length) return detail[0].msg || fallback;
    return typeof detail === "string" ? detail : fallback;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(problem(data, "Something went wrong. Reload the page and try again."));
          error.fromServer = true;
          throw error;
        }
        return data;
      });
    });
  }

  function browserProblem(error, making) {
    if (error && error.fromServer) return error.message;
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "AbortError") {
      return "The passkey request was cancelled or timed out. Nothing changed; try again when ready.";
    }
    if (name === "InvalidStateError" && making) {
      return "This device already holds a passkey for your account: you can sign in with it.";
    }
    if (name === "SecurityError") {
      return "This address cannot use passkeys. Open the workspace at its usual address.";
    }
    return making ? "The passkey could not be made. Try again, or use another device."
      : "The passkey could not be used. Try again, or sign in with your email and password.";
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = toText(response.userHandle);
    }
    return out;
  }

  function addPasskey(event) {
    event.preventDefault();
    var field = addForm.querySelector("input[name=name]");
    var name = (field.value || "").trim();
    var button = addForm.querySelector("button[type=submit]");
    if (!name) {
      say("Give the passkey a name, such as “Work phone”.");
      field.focus();
      return;
    }
    button.disabled = true;
    say("Follow your browser's prompt to make the passkey…", "ok");
    post(addForm.getAttribute("data-options"), { name: name }).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      return post(addForm.getAttribute("data-action"), { name: name, credential: credentialJSON(credential) });
    }).then(function (done) {
      window.location.assign(done.redirect || window.location.pathname);
    }).catch(function (error) {
      say(browserProblem(error, true));
      button.disabled = false;
    });
  }

  function signInWithPasskey() {
    var button = signIn.querySelector("[data-passkey-button]");
    button.disabled = true;
    say("Follow your browser's prompt to choose your passkey…", "ok");
    post(signIn.getAttribute("data-options"), {}).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      return post(signIn.getAttribute("data-action"), { credential: credentialJSON(credential) });
    }).then(function (done) {
      window.location.assign(done.redirect || "/dashboard");
    }).catch(function (error) {
      say(browserProblem(error, false));
      button.disabled = false;
    });
  }

  if (!supported) {
    var unsupported = "This browser cannot use passkeys here. Signing in with your email and password keeps working.";
    if (noScript) noScript.textContent = unsupported;
    if (signIn) {
      signIn.hidden = false;
      signIn.querySelector("[data-passkey-button]").hidden = true;
      say(unsupported, "warn");
    }
    return;
  }
  if (noScript) noScript.hidden = true;
  if (addForm) {
    addForm.hidden = false;
    addForm.addEventListener("submit", addPasskey);
  }
  if (signIn) {
    signIn.hidden = false;
    signIn.querySelector("[data-passkey-button]").addEventListener("click", signInWithPasskey);
  }
})();
