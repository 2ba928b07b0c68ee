// PetCurator's web page: sign in with an API token, choose or drop a photo, see the served
// model's top 3, accept one or pick another breed, and see your recent labels. Plain script, no
// framework, no build step; it only talks to this server's /api/v1.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem('pc-token') || '', image: '', breeds: [] };

function say(text, isError) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!isError);
}

async function api(method, path, body, contentType) {
  const headers = { Authorization: 'Bearer ' + state.token };
  if (contentType) headers['Content-Type'] = contentType;
  const response = await fetch('/api/v1' + path, { method, headers, body });
  let json = {};
  try { json = await response.json(); } catch (e) { json = {}; }
  if (!response.ok) {
    const why = json.error || response.statusText;
    throw new Error(response.status === 401 ? 'Signed out: ' + why : why);
  }
  return json;
}

// SHA-256 in hex: the image's name on the server. crypto.subtle exists only on https or
// localhost; a phone on the team's plain-http address gets the small fallback below.
async function sha256Hex(buffer) {
  if (window.crypto && crypto.subtle) {
    const digest = await crypto.subtle.digest('SHA-256', buffer);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return sha256Fallback(new Uint8Array(buffer));
}

function sha256Fallback(bytes) {
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const length = bytes.length;
  const padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  const w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  return Array.from(H, (x) => x.toString(16).padStart(8, '0')).join('');
}

// A random (version 4) UUID for each label event, so a retried post changes nothing.
function newUuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function breedName(id) {
  const b = state.breeds.find((x) => x.id === id);
  return b ? b.name : id;
}

async function signIn(token) {
  state.token = token;
  const me = await api('GET', '/me');
  sessionStorage.setItem('pc-token', token);
  $('who').textContent = `${me.name} (${me.role})`;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  $('sign-in').hidden = true;
  $('curate').hidden = false;
  $('recent-section').hidden = false;
  if (!state.breeds.length) {
    state.breeds = (await api('GET', '/breeds')).breeds;
    const list = $('breed-list');
    for (const b of state.breeds) {
      const option = document.createElement('option');
      option.value = b.name;
      list.append(option);
    }
  }
  await showRecent();
  $('photo').focus();
}

function signOut() {
  sessionStorage.removeItem('pc-token');
  state.token = '';
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('curate').hidden = true;
  $('recent-section').hidden = true;
  $('sign-in').hidden = false;
  $('token').value = '';
  $('token').focus();
}

async function showRecent() {
  const { labels } = await api('GET', '/me/labels?limit=10');
  const list = $('recent');
  list.replaceChildren();
  for (const l of labels) {
    const item = document.createElement('li');
    item.textContent = `${breedName(l.breed)} — ${l.status}, image ${l.image.slice(0, 10)}…`;
    list.append(item);
  }
  if (!labels.length) {
    const item = document.createElement('li');
    item.textContent = 'None yet.';
    list.append(item);
  }
}

async function choosePhoto(file) {
  if (!file) return;
  $('result').hidden = true;
  const preview = $('preview');
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  try {
    say('Uploading…');
    const bytes = await file.arrayBuffer();
    const sha = await sha256Hex(bytes);
    await api('PUT', '/images/' + sha, bytes, file.type || 'application/octet-stream');
    state.image = sha;
    say('Asking the model…');
    const prediction = await api('POST', '/predict?top=3', bytes, file.type || 'application/octet-stream');
    showGuesses(prediction);
    say('');
  } catch (e) {
    say(e.message, true);
  }
}

function showGuesses(prediction) {
  $('model').textContent = `Model ${prediction.model} · ${Math.round(prediction.ms)} ms`;
  const list = $('guesses');
  list.replaceChildren();
  for (const g of prediction.top) {
    const percent = Math.round(g.p * 100);
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'guess';
    button.dataset.breed = g.label;
    const name = document.createElement('span');
    name.textContent = `Accept ${g.name || breedName(g.label)}`;
    const value = document.createElement('span');
    value.textContent = `${percent}%`;
    const bar = document.createElement('meter');
    bar.min = 0;
    bar.max = 1;
    bar.value = g.p;
    bar.setAttribute('aria-hidden', 'true');
    button.append(name, value, bar);
    button.addEventListener('click', () => label(g.label));
    item.append(button);
    list.append(item);
  }
  $('breed').value = '';
  $('result').hidden = false;
  const first = list.querySelector('button');
  if (first) first.focus();
}

async function label(breedId) {
  if (!state.image) return;
  try {
    await api('POST', '/labels', JSON.stringify({ events: [{ uuid: newUuid(), image: state.image, breed: breedId }] }), 'application/json');
    say(`Saved: ${breedName(breedId)}`);
    await showRecent();
  } catch (e) {
    say(e.message, true);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn($('token').value.trim()).catch((e) => { state.token = ''; say(e.message, true); });
  });
  $('sign-out').addEventListener('click', signOut);
  $('photo').addEventListener('change', () => choosePhoto($('photo').files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    choosePhoto(event.dataTransfer.files[0]);
  });
  $('other-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = $('breed').value.trim().toLowerCase();
    const breed = state.breeds.find((b) => b.name.toLowerCase() === typed || b.id.toLowerCase() === typed);
    if (!breed) {
      say('Pick a breed from the list (start typing its name).', true);
      $('breed').focus();
      return;
    }
    label(breed.id);
  });
  if (state.token) signIn(state.token).catch(() => signOut());
});
