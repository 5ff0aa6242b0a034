#!/usr/bin/python3
"""The bench's reference workload in PyTorch: one LAPO iteration as lapo runs it (src/algo/lapo-step.ts, which
follows the official pcchenxi/LAPO-offlienRL algos_vae.py Latent.train), with the observation encoder of
src/nn/encoder.ts. Run by bench/bench-step.ts; prints one JSON line.

Workload (defaults = the README's reference workload): 3 camera views 64x64x3 uint8 stacked on channels (9) +
16-d state, 16-d actions, conv 3x3 valid ReLU, 32 channels, strides 2,2,1,1 -> flatten; state MLP 16->64->64
ReLU; concat -> Linear 256 ReLU. Twin Q + V, CVAE (latent 32) and latent actor: MLPs 256x3. Adam. Per step:
  target encoder on s'; V target of Q from the online V; critic loss through the online encoder (which the
  critic optimizer owns); advantage with the updated critic; VAE and actor on detached features; soft updates.
PyTorch is tuned as docs/performance.md describes: the caller sets OPENBLAS_NUM_THREADS=1 and
GLIBC_TUNABLES (malloc), and this script sets torch.set_num_threads(threads).
Use Debian's interpreter (/usr/bin/python3) with python3-torch and libopenblas0-pthread installed."""
import argparse
import copy
import ctypes
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, channels, size, state_dim, conv_channels=32, strides=(2, 2, 1, 1), state_hidden=64, feat=256):
        super().__init__()
        convs, c, s = [], channels, size
        for st in strides:
            convs.append(nn.Conv2d(c, conv_channels, 3, stride=st))
            c, s = conv_channels, (s - 3) // st + 1
        self.convs = nn.ModuleList(convs)
        self.s1 = nn.Linear(state_dim, state_hidden)
        self.s2 = nn.Linear(state_hidden, state_hidden)
        self.fc = nn.Linear(c * s * s + state_hidden, feat)

    def forward(self, image, state):
        x = image
        for conv in self.convs:
            x = F.relu(conv(x))
        s = F.relu(self.s2(F.relu(self.s1(state))))
        return F.relu(self.fc(torch.cat([x.flatten(1), s], 1)))


def mlp(inp, out, hidden=(256, 256, 256)):
    dims, layers = [inp, *hidden], []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(dims[-1], out))


class Critic(nn.Module):
    def __init__(self, feat, action):
        super().__init__()
        self.q1, self.q2, self.v = mlp(feat + action, 1), mlp(feat + action, 1), mlp(feat, 1)

    def forward(self, f, a):
        sa = torch.cat([f, a], 1)
        return self.q1(sa), self.q2(sa)


class Vae(nn.Module):
    def __init__(self, feat, action, latent):
        super().__init__()
        self.e = nn.Sequential(nn.Linear(feat + action, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                               nn.Linear(256, 256), nn.ReLU())
        self.mean, self.log_var = nn.Linear(256, latent), nn.Linear(256, latent)
        self.d = mlp(feat + latent, action)

    def forward(self, f, a, eps):
        h = self.e(torch.cat([f, a], 1))
        mean, log_var = self.mean(h), self.log_var(h)
        z = mean + torch.exp(log_var / 2) * eps
        return self.decode(f, z), mean, log_var

    def decode(self, f, z):
        return self.d(torch.cat([f, z], 1))


class Actor(nn.Module):
    def __init__(self, feat, latent, max_latent=2.0):
        super().__init__()
        self.net, self.max_latent = mlp(feat, latent), max_latent

    def forward(self, f):
        return self.max_latent * torch.tanh(self.net(f))


class Lapo:
    def __init__(self, channels, size, state_dim, action_dim, latent, lr=2e-4):
        self.enc = Encoder(channels, size, state_dim)
        self.critic, self.actor, self.vae = Critic(256, action_dim), Actor(256, latent), Vae(256, action_dim, latent)
        self.t_enc, self.t_critic = copy.deepcopy(self.enc), copy.deepcopy(self.critic)
        self.t_actor, self.t_vae = copy.deepcopy(self.actor), copy.deepcopy(self.vae)
        for t in (self.t_enc, self.t_critic, self.t_actor, self.t_vae):
            t.requires_grad_(False)
        self.critic_opt = torch.optim.Adam([*self.critic.parameters(), *self.enc.parameters()], lr=lr)
        self.vae_opt = torch.optim.Adam(self.vae.parameters(), lr=lr)
        self.actor_opt = torch.optim.Adam(self.actor.parameters(), lr=lr)
        self.discount, self.tau, self.expectile, self.min_v, self.max_v = 0.99, 0.005, 0.9, -100.0, 100.0

    def qmix(self, critic, f, a):
        q1, q2 = critic(f, a)
        return torch.min(q1, q2)  # doubleq_min = 1 (lapo's default)

    def step(self, b):
        image = b['image'].permute(0, 3, 1, 2).float() / 255  # uint8 NHWC -> float NCHW, as lapo converts
        next_image = b['next_image'].permute(0, 3, 1, 2).float() / 255
        state, next_state, action = b['state'], b['next_state'], b['action']
        reward, not_done, noise, eps = b['reward'], b['not_done'], b['noise'], b['eps']
        with torch.no_grad():
            f_next = self.t_enc(next_image, next_state)
            target_q = reward + not_done * self.discount * self.critic.v(f_next)
            next_q = self.qmix(self.t_critic, f_next, self.t_vae.decode(f_next, self.t_actor(f_next)))
        f = self.enc(image, state)
        with torch.no_grad():
            fd = f.detach()
            latent = self.t_actor(fd) + (noise * 0.1).clamp(-0.2, 0.2)
            target_v = self.qmix(self.t_critic, fd, self.t_vae.decode(fd, latent)).clamp(self.min_v, self.max_v)
        q1, q2 = self.critic(f, action)
        v = self.critic.v(f)
        critic_loss = F.mse_loss(q1, target_q) + F.mse_loss(q2, target_q) + F.mse_loss(v, target_v)
        self.critic_opt.zero_grad()
        critic_loss.backward()
        self.critic_opt.step()

        f = f.detach()
        with torch.no_grad():
            adv = reward + not_done * self.discount * next_q - self.critic.v(f)
            w_sign = (adv > 0).float()
            weights = (1 - w_sign) * (1 - self.expectile) + w_sign * self.expectile
        recon, mean, log_var = self.vae(f, action, eps)
        recon_loss = ((recon - action) ** 2).sum(1, keepdim=True)
        kl = -0.5 * torch.sum(1 + log_var - mean ** 2 - log_var.exp(), dim=1, keepdim=True)
        vae_loss = ((recon_loss + kl) * weights).mean()
        self.vae_opt.zero_grad()
        vae_loss.backward()
        self.vae_opt.step()

        actor_loss = -self.critic.q1(torch.cat([f, self.t_vae.decode(f, self.actor(f))], 1)).mean()
        self.actor_opt.zero_grad()
        actor_loss.backward()
        self.actor_opt.step()

        with torch.no_grad():
            for net, tgt in ((self.critic, self.t_critic), (self.actor, self.t_actor), (self.vae, self.t_vae),
                             (self.enc, self.t_enc)):
                for p, tp in zip(net.parameters(), tgt.parameters()):
                    tp.mul_(1 - self.tau).add_(p, alpha=self.tau)
        return critic_loss.item(), vae_loss.item(), actor_loss.item()


def batch(n, size, channels, state_dim, action_dim, latent, gen):
    img = lambda: torch.randint(0, 256, (n, size, size, channels), dtype=torch.uint8, generator=gen)
    normal = lambda *s: torch.randn(*s, generator=gen)
    return {'image': img(), 'next_image': img(), 'state': normal(n, state_dim), 'next_state': normal(n, state_dim),
            'action': normal(n, action_dim), 'reward': normal(n, 1), 'not_done': torch.ones(n, 1),
            'noise': normal(n, latent), 'eps': normal(n, latent)}


def blas_core():
    try:
        lib = ctypes.CDLL('libopenblas.so.0')
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except OSError:
        return 'no OpenBLAS'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--size', type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    agent = Lapo(9, a.size, 16, 16, 32)
    batches = [batch(a.batch, a.size, 9, 16, 16, 32, gen) for _ in range(4)]
    for i in range(a.warmup):
        agent.step(batches[i % 4])
    rates = []
    for r in range(a.reps):
        t0 = time.perf_counter()
        for i in range(a.steps):
            agent.step(batches[i % 4])
        rates.append(a.steps / (time.perf_counter() - t0))
    print(json.dumps({'updates_per_s': rates, 'torch': torch.__version__, 'threads': torch.get_num_threads(),
                      'blas_core': blas_core(), 'mkldnn': torch.backends.mkldnn.is_available(),
                      'coretype_env': os.environ.get('OPENBLAS_CORETYPE', '')}))


if __name__ == '__main__':
    main()
